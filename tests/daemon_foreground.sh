#!/bin/sh
# keluhd in the foreground: it creates its state directory (the spool's,
# 0700) and the admin socket's when they are missing, and says so; it
# says why when it cannot. On a terminal its log lines carry the time;
# into the journal (JOURNAL_STREAM) or a file they do not, as before.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

write_rules <<'Y'
rules:
  - {id: t.x, score: 30, when: {keywords: [refund]}}
Y
write_conf "$TMPD/c.yaml" rules.d "$TMPD/var/lib/keluh/spool.db" <<Y
admin: {socket: $TMPD/run/keluh/keluhd.sock}
receivers:
  - {name: console, type: console}
routes:
  - {receivers: [console]}
Y
start_keluhd "$TMPD/c.yaml"
check "the state directory was made" test -d "$TMPD/var/lib/keluh"
is "the state directory is 0700" "$(stat -c %a "$TMPD/var/lib/keluh")" 700
check "the spool is in it" test -f "$TMPD/var/lib/keluh/spool.db"
contains "it says so" "$klog" "keluhd: created the state directory for $TMPD/var/lib/keluh/spool.db (mode 0700)"
check "the admin socket's directory was made" test -S "$TMPD/run/keluh/keluhd.sock"
is "the admin socket answers" "$("$KELUHCTL" status --socket "$TMPD/run/keluh/keluhd.sock" >/dev/null 2>&1; echo $?)" 0
lacks "no 'unable to open database file'" "$klog" "unable to open database file"
check "log lines in a file carry no time" grep -q '^keluhd: keluhd ' "$klog"
stop_keluhd

# the directory exists now: a second start makes nothing and says nothing
start_keluhd "$TMPD/c.yaml"
lacks "an existing state directory is left alone" "$klog" "created the state directory"
stop_keluhd

# a file where the directory should be
: >"$TMPD/blocker"
sed "s|$TMPD/var/lib/keluh/spool.db|$TMPD/blocker/keluh/spool.db|" "$TMPD/c.yaml" >"$TMPD/c2.yaml"
"$KELUHD" -c "$TMPD/c2.yaml" >/dev/null 2>"$TMPD/c2.err"
is "no state directory possible: exit 1" "$?" 1
contains "and why, naming it" "$TMPD/c2.err" \
	"keluhd: error: cannot create the state directory for $TMPD/blocker/keluh/spool.db: Not a directory"

# tty_log [ENV=VALUE]: keluhd with stderr on a pseudo-terminal, until it
# listens; prints what it wrote there
cat >"$TMPD/ptyrun.py" <<'PY'
import os, pty, select, signal, subprocess, sys, time
keluhd, conf = sys.argv[1], sys.argv[2]
env = dict(os.environ)
env.pop("JOURNAL_STREAM", None)
for kv in sys.argv[3:]:
    k, v = kv.split("=", 1)
    env[k] = v
master, slave = pty.openpty()
p = subprocess.Popen([keluhd, "-c", conf], stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=slave, env=env)
os.close(slave)
out, end = b"", time.time() + 20
while b"http: port" not in out and time.time() < end:
    r, _, _ = select.select([master], [], [], 0.5)
    if r:
        try:
            out += os.read(master, 4096)
        except OSError:
            break
p.send_signal(signal.SIGTERM)
p.wait()
sys.stdout.write(out.decode("utf-8", "replace").replace("\r\n", "\n"))
PY
python3 "$TMPD/ptyrun.py" "$KELUHD" "$TMPD/c.yaml" >"$TMPD/tty.out"
check "on a terminal each line starts with the local time" \
	grep -Eq '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}[+-][0-9]{4} keluhd: http: port ' "$TMPD/tty.out"
n=$(grep -c . "$TMPD/tty.out")
is "on a terminal every line is stamped" "$(grep -Ec '^20[0-9-]+T[0-9:.]+[+-][0-9]{4} keluhd: ' "$TMPD/tty.out")" "$n"
python3 "$TMPD/ptyrun.py" "$KELUHD" "$TMPD/c.yaml" JOURNAL_STREAM=8:12345 >"$TMPD/journal.out"
check "into the journal: the priority, no time (the journal adds it)" grep -q '^<6>http: port ' "$TMPD/journal.out"
no_stamp() { ! grep -Eq '^(<[0-9]>)?20[0-9]{2}-' "$1"; }
check "into the journal: no time" no_stamp "$TMPD/journal.out"

done_testing
