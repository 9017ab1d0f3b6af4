#!/bin/sh
# make install DESTDIR=...: the programs, the configuration and rule packs
# in $(sysconfdir)/keluh, the samples, the man pages and the systemd unit
# land where they belong; the installed keluhd accepts the installed
# configuration and serves /healthz with the installed rules; make
# uninstall takes every file away again.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

R=$TMPD/root
# A clean sub-make: not the jobserver or the flags of the make check above us.
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$top_builddir" "$@"
}
# mkvar NAME: a variable of the build's Makefile, fully expanded
mkvar() {
	printf 'print-var-%%:\n\t@echo $($*)\n' | submake -s -f Makefile -f - "print-var-$1"
}

if [ ! -f "$top_builddir/Makefile" ]; then
	echo "1..0 # SKIP no Makefile in $top_builddir (run from make check)"
	exit 0
fi
submake install DESTDIR="$R" >"$TMPD/install.log" 2>&1
st=$?
is "make install DESTDIR=... succeeds" "$st" 0
[ "$st" -eq 0 ] || tail -n 20 "$TMPD/install.log" | sed 's/^/# /'

bindir=$(mkvar bindir)
sbindir=$(mkvar sbindir)
sysconfdir=$(mkvar sysconfdir)
pkgdatadir=$(mkvar pkgdatadir)
mandir=$(mkvar mandir)
unitdir=$(mkvar systemdsystemunitdir)
echo "# sbindir=$sbindir sysconfdir=$sysconfdir pkgdatadir=$pkgdatadir unitdir=${unitdir:-(none)}"

KD=$R$sbindir/keluhd
check "keluhd in \$(sbindir), executable" test -x "$KD"
check "keluhctl in \$(bindir), executable" test -x "$R$bindir/keluhctl"
check "keluhd.yaml in \$(sysconfdir)/keluh" cmp "$top_srcdir/etc/keluhd.yaml" "$R$sysconfdir/keluh/keluhd.yaml"
missing=
for f in "$top_srcdir"/etc/rules.d/*.yaml; do
	cmp -s "$f" "$R$sysconfdir/keluh/rules.d/${f##*/}" || missing="$missing ${f##*/}"
done
is "every rule pack of etc/rules.d in \$(sysconfdir)/keluh/rules.d" "$missing" ""
check "samples in \$(pkgdatadir)/samples" cmp "$top_srcdir/etc/samples/mentions.ndjson" \
	"$R$pkgdatadir/samples/mentions.ndjson"
for m in man1/keluhctl.1 man5/keluhd.yaml.5 man5/keluh-rules.5 man8/keluhd.8; do
	check "man page $m" test -s "$R$mandir/$m"
done
if [ -n "$unitdir" ]; then
	U=$R$unitdir/keluhd.service
	check "keluhd.service in the systemd unit directory ($unitdir)" test -s "$U"
	contains "the installed unit starts the installed keluhd" "$U" \
		"ExecStart=$sbindir/keluhd -c $sysconfdir/keluh/keluhd.yaml "
	if command -v systemd-analyze >/dev/null 2>&1; then
		score=$(systemd-analyze security --offline=true "$U" 2>/dev/null |
			sed -n 's/^.*Overall exposure level for [^:]*: \([0-9][0-9.]*\) .*$/\1/p')
		if [ -n "$score" ] && awk -v s="$score" 'BEGIN { exit !(s + 0 <= 1.5) }'; then
			ok "installed unit: exposure $score <= 1.5"
		else
			not_ok "installed unit: exposure ${score:-?} <= 1.5"
		fi
	else
		skip "installed unit: exposure <= 1.5" "systemd-analyze is not installed"
	fi
else
	for d in "keluhd.service in the systemd unit directory" \
		"the installed unit starts the installed keluhd" "installed unit: exposure <= 1.5"; do
		skip "$d" "no systemd unit directory configured"
	done
fi

# The installed binary checks the installed configuration as shipped.
"$KD" --check -c "$R$sysconfdir/keluh/keluhd.yaml" >"$TMPD/check.out" 2>"$TMPD/check.err"
is "installed keluhd --check -c installed keluhd.yaml: exit 0" "$?" 0
contains "installed keluhd --check: summary" "$TMPD/check.out" "keluhd.yaml: ok: "
# (a regex without a prefilter literal is reported rule by rule by tests/manual.sh)
is "installed keluhd --check: nothing on stderr" \
	"$(grep -v 'has no literal the prefilter can use' "$TMPD/check.err")" ""

# The installed keluhd runs with the installed rules. The demo source's
# samples are found through KELUH_DATADIR, i.e. without DESTDIR, so the
# path is given explicitly; the spool goes to TMPD with --spool.
cat >"$TMPD/keluhd.yaml" <<Y
rules: $R$sysconfdir/keluh/rules.d
http: {listen: "127.0.0.1:0"}
spool: {path: $TMPD/ignored.db}
sources:
  - {name: demo, type: demo, rate: 100/s, loop: false, path: $R$pkgdatadir/samples/mentions.ndjson}
receivers:
  - {name: console, type: console}
routes:
  - {receivers: [console]}
Y
KELUHD=$KD
KELUHD_FLAGS="--spool $TMPD/spool.db"
if start_keluhd "$TMPD/keluhd.yaml"; then
	ok "installed keluhd starts"
	curl -s -o "$TMPD/health.out" -w '%{http_code}' "$URL/healthz" >"$TMPD/health.code"
	is "installed keluhd answers /healthz: 200" "$(cat "$TMPD/health.code")" 200
	contains "/healthz: status ok" "$TMPD/health.out" '"status":"ok"'
	grep -q '"rules":[1-9]' "$TMPD/health.out"
	is "/healthz: the installed rules are loaded" "$?" 0
	wait_for 10 grep -q 'all [0-9]* sample mentions sent' "$klog"
	is "the demo source replays the installed samples" "$?" 0
	check "the spool is the --spool one" test -f "$TMPD/spool.db"
	check "spool.path from the config is not used" test ! -e "$TMPD/ignored.db"
	stop_keluhd
else
	not_ok "installed keluhd starts" "$(tail -n 20 "$klog")"
fi

# And the installed keluhd on the installed keluhd.yaml itself, as the unit
# runs it (spool and admin socket moved into TMPD, as the unit moves them
# into its own directories); its demo samples are found beside the binary.
if python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 8470))' 2>/dev/null; then
	KELUHD_FLAGS="--spool $TMPD/spool2.db --admin-socket $TMPD/admin.sock"
	if start_keluhd "$R$sysconfdir/keluh/keluhd.yaml" "$TMPD/installed.log"; then
		ok "installed keluhd starts on the installed keluhd.yaml"
		wait_for 10 grep -q 'replaying [0-9]* sample mentions from .*/share/keluh/samples' "$klog"
		is "the demo source finds the installed samples" "$?" 0
		stop_keluhd
	else
		not_ok "installed keluhd starts on the installed keluhd.yaml" "$(tail -n 20 "$klog")"
	fi
else
	for d in "installed keluhd starts on the installed keluhd.yaml" \
		"the demo source finds the installed samples" "keluhd exits cleanly after SIGTERM"; do
		skip "$d" "127.0.0.1:8470 is in use"
	done
fi

submake uninstall DESTDIR="$R" >"$TMPD/uninstall.log" 2>&1
is "make uninstall DESTDIR=... succeeds" "$?" 0
is "make uninstall leaves no file behind" "$(find "$R" -type f -o -type l)" ""

done_testing
