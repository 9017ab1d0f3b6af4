#!/bin/sh
# systemd/keluhd.service as built: systemd-analyze (offline, no systemd
# PID 1 needed) rates its sandbox "OK" (exposure <= 1.5) and verifies it,
# it is the Type=notify service keluhd expects, and it leaves PCRE2's JIT
# working (no MemoryDenyWriteExecute=, and the JIT does compile here).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

UNIT=$top_builddir/systemd/keluhd.service
MAX_EXPOSURE=1.5

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "1..0 # SKIP systemd-analyze not found"
	exit 0
fi
if [ ! -f "$UNIT" ]; then
	not_ok "the unit is built" "$UNIT is missing (make systemd/keluhd.service)"
	done_testing
	exit 1
fi
ok "the unit is built"

# --- what keluhd needs from the unit ---------------------------------------
if grep -Eq '@[a-zA-Z_]+@' "$UNIT"; then
	not_ok "every @var@ is substituted" "$(grep -E '@[a-zA-Z_]+@' "$UNIT")"
else
	ok "every @var@ is substituted"
fi
for line in Type=notify NotifyAccess=main WatchdogSec=30s DynamicUser=yes \
	StateDirectory=keluh ConfigurationDirectory=keluh Restart=on-failure \
	'/keluhctl reload --socket /run/keluh/keluhd.sock' '--spool %S/keluh/spool.db' LimitNOFILE= \
	'#LoadCredential=slack.url:'; do
	contains "unit: $line" "$UNIT" "$line"
done
if grep -Eiq '^[[:space:]]*MemoryDenyWriteExecute[[:space:]]*=[[:space:]]*(yes|true|on|1)' "$UNIT"; then
	not_ok "unit does not set MemoryDenyWriteExecute=yes (PCRE2 JIT needs W+X memory)" \
		"$(grep -i MemoryDenyWriteExecute "$UNIT")"
else
	ok "unit does not set MemoryDenyWriteExecute=yes (PCRE2 JIT needs W+X memory)"
fi
grep -q "^ExecStart=.*/keluhd -c .*/keluh/keluhd.yaml " "$UNIT"
is "ExecStart runs keluhd with the installed keluhd.yaml" "$?" 0
# reload waits for the result through the admin socket, in the RuntimeDirectory
grep -q "^ExecReload=/.*/keluhctl reload --socket /run/keluh/keluhd.sock\$" "$UNIT"
is "ExecReload is keluhctl reload on /run/keluh/keluhd.sock" "$?" 0
contains "RuntimeDirectory=keluh holds the socket" "$UNIT" "RuntimeDirectory=keluh"
grep -q "^ExecStart=.* --admin-socket %t/keluh/keluhd.sock\$" "$UNIT"
is "ExecStart serves the admin API where ExecReload looks (%t is /run)" "$?" 0

# --- systemd-analyze security ----------------------------------------------
# systemd 250+ (Debian 12 has 252) rates a unit file without a running
# systemd: --offline=true.
systemd-analyze security --offline=true "$UNIT" >"$TMPD/sec.out" 2>"$TMPD/sec.err"
st=$?
score=$(sed -n 's/^.*Overall exposure level for [^:]*: \([0-9][0-9.]*\) .*$/\1/p' "$TMPD/sec.out")
if [ -z "$score" ] && grep -q -- "offline" "$TMPD/sec.err"; then
	skip "systemd-analyze security --offline=true" "this systemd-analyze cannot rate a unit file offline: $(head -1 "$TMPD/sec.err")"
elif [ -z "$score" ]; then
	not_ok "systemd-analyze security --offline=true rates the unit" "exit $st; $(head -5 "$TMPD/sec.err" "$TMPD/sec.out")"
else
	echo "# exposure: $(grep 'Overall exposure' "$TMPD/sec.out")"
	if awk -v s="$score" -v m="$MAX_EXPOSURE" 'BEGIN { exit !(s + 0 <= m + 0) }'; then
		ok "exposure $score <= $MAX_EXPOSURE (OK)"
	else
		not_ok "exposure $score <= $MAX_EXPOSURE (OK)" "$(grep -v '^✓' "$TMPD/sec.out" | head -30)"
	fi
fi

# --- systemd-analyze verify ------------------------------------------------
# Offline it loads the unit into a private manager; ExecStart must exist, so
# check a copy that runs the keluhd just built. Every complaint (unknown
# keys, bad values, which systemd only warns about) fails the test.
printf '[Service]\nType=oneshot\nExecStart=/bin/true\n' >"$TMPD/probe.service"
if ! systemd-analyze verify --man=no "$TMPD/probe.service" >"$TMPD/probe.out" 2>&1 ||
	[ -s "$TMPD/probe.out" ]; then
	why="cannot verify offline here: $(head -1 "$TMPD/probe.out")"
	skip "systemd-analyze verify: no complaint" "$why"
	skip "verify flags Type=notify-reload (systemd 253+) on this systemd" "$why"
else
	mkdir -p "$TMPD/v"
	sed -e "s|^ExecStart=[^ ]*/keluhd |ExecStart=$top_builddir/keluhd |" \
	    -e "s|^ExecReload=[^ ]*/keluhctl |ExecReload=$top_builddir/keluhctl |" \
	    "$UNIT" >"$TMPD/v/keluhd.service"
	systemd-analyze verify --man=no "$TMPD/v/keluhd.service" >"$TMPD/verify.out" 2>&1
	st=$?
	if [ "$st" -eq 0 ] && [ ! -s "$TMPD/verify.out" ]; then
		ok "systemd-analyze verify: no complaint"
	else
		not_ok "systemd-analyze verify: no complaint" "exit $st; $(head -20 "$TMPD/verify.out")"
	fi
	# and verify does catch what 252 silently ignores
	printf '[Service]\nType=notify-reload\nExecStart=/bin/true\n' >"$TMPD/v/bad.service"
	systemd-analyze verify --man=no "$TMPD/v/bad.service" >"$TMPD/bad.out" 2>&1
	contains "verify flags Type=notify-reload (systemd 253+) on this systemd" "$TMPD/bad.out" "notify-reload"
fi

# --- PCRE2 JIT -------------------------------------------------------------
# Without systemd PID 1 the unit cannot run here. What it allows for memory
# is ordinary mmap/mprotect (no MemoryDenyWriteExecute=, asserted above), so
# the JIT must compile a rule regex exactly as keluhd does.
PROBE=$top_builddir/tests/jit_probe
"$PROBE" >"$TMPD/jit.out" 2>&1
is "PCRE2 JIT compiles and matches keluhd's regexes" "$(cat "$TMPD/jit.out")" "jit=1 match=1"
# What MemoryDenyWriteExecute=yes would do: the kernel's equivalent (prctl
# PR_SET_MDWE) makes PCRE2 refuse the JIT; keluhd's regexes still match,
# in the slower interpreter.
"$PROBE" --mdwe >"$TMPD/mdwe.out" 2>&1
st=$?
if [ "$st" -eq 77 ]; then
	skip "under W^X the JIT is refused and the interpreter still matches" "no PR_SET_MDWE: $(cat "$TMPD/mdwe.out")"
else
	is "under W^X the JIT is refused and the interpreter still matches" "$(cat "$TMPD/mdwe.out")" "jit=0 match=1"
fi

done_testing
