#!/bin/sh
# make install DESTDIR=...: the programs, the configuration in
# $(sysconfdir)/keluh, the rule packs and the samples in $(pkgdatadir), the
# man pages and the systemd unit land where they belong; the installed
# keluhd accepts the installed configuration and serves /healthz with the
# installed rules. A second install keeps an edited keluhd.yaml and the
# user's rule files byte for byte (the new default goes beside it as
# keluhd.yaml.dist) and updates the packs; make uninstall takes every file
# away again but the user's.
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
for f in "$top_srcdir"/packs/*/*.yaml; do
	p=${f%/*}
	p=${p##*/}
	cmp -s "$f" "$R$pkgdatadir/packs/$p/${f##*/}" || missing="$missing $p/${f##*/}"
done
is "every shipped pack file in \$(pkgdatadir)/packs/NAME" "$missing" ""
check "the commented example rules.d/local.yaml in \$(sysconfdir)/keluh" \
	cmp "$top_srcdir/etc/rules.d/local.yaml" "$R$sysconfdir/keluh/rules.d/local.yaml"
lacks "a fresh install says nothing of kept files" "$TMPD/install.log" "kept your edited"
check "a fresh install leaves no keluhd.yaml.dist" test ! -e "$R$sysconfdir/keluh/keluhd.yaml.dist"
check "samples in \$(pkgdatadir)/samples" cmp "$top_srcdir/etc/samples/mentions.ndjson" \
	"$R$pkgdatadir/samples/mentions.ndjson"
for m in man1/keluhctl.1 man5/keluhd.yaml.5 man5/keluh-rules.5 man5/keluh-model.5 man8/keluhd.8; do
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
rules: {packs: [core], packs_dir: $R$pkgdatadir/packs, dir: $R$sysconfdir/keluh/rules.d}
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
# The copy beside it differs only in the port (8470 may be taken here), so
# its relative paths resolve as the installed file's do.
T=$R$sysconfdir/keluh/.keluhd-test.yaml
sed 's/127\.0\.0\.1:8470/127.0.0.1:0/' "$R$sysconfdir/keluh/keluhd.yaml" >"$T"
KELUHD_FLAGS="--spool $TMPD/spool2.db --admin-socket $TMPD/admin.sock"
if start_keluhd "$T" "$TMPD/installed.log"; then
	ok "installed keluhd starts on the installed keluhd.yaml"
	wait_for 10 grep -q 'replaying [0-9]* sample mentions from .*/share/keluh/samples' "$klog"
	is "the demo source finds the installed samples" "$?" 0
	stop_keluhd
else
	not_ok "installed keluhd starts on the installed keluhd.yaml" "$(tail -n 20 "$klog")"
fi
unset KELUHD_FLAGS
rm -f "$T"

# A second install, as an upgrade: the user edited keluhd.yaml and wrote a
# rule file; a pack file was changed (as an older release would have it).
C=$R$sysconfdir/keluh
printf '# my receivers\n' >>"$C/keluhd.yaml"
cp "$C/keluhd.yaml" "$TMPD/edited.yaml"
printf 'rules:\n  - {id: mine.x, score: 30, when: {keywords: [zzq]}}\n' >"$C/rules.d/50-mine.yaml"
cp "$C/rules.d/50-mine.yaml" "$TMPD/mine.yaml"
printf '# a local note\n' >>"$C/rules.d/local.yaml"
cp "$C/rules.d/local.yaml" "$TMPD/local.yaml"
printf '# an older pack\n' >>"$R$pkgdatadir/packs/core/70-churn.yaml"
submake install DESTDIR="$R" >"$TMPD/install2.log" 2>&1
is "second make install succeeds" "$?" 0
check "second install: the edited keluhd.yaml is kept byte for byte" cmp "$TMPD/edited.yaml" "$C/keluhd.yaml"
check "second install: the new default is beside it as keluhd.yaml.dist" \
	cmp "$top_srcdir/etc/keluhd.yaml" "$C/keluhd.yaml.dist"
contains "second install: says where the new default went" "$TMPD/install2.log" \
	"keluh: kept your edited $C/keluhd.yaml; the new default is $C/keluhd.yaml.dist"
check "second install: the user's rule file is kept byte for byte" cmp "$TMPD/mine.yaml" "$C/rules.d/50-mine.yaml"
check "second install: the edited example is kept byte for byte" cmp "$TMPD/local.yaml" "$C/rules.d/local.yaml"
check "second install: the packs are updated" cmp "$top_srcdir/packs/core/70-churn.yaml" \
	"$R$pkgdatadir/packs/core/70-churn.yaml"

# An unedited keluhd.yaml from an older release is simply replaced.
printf '# an older default\n' >"$C/keluhd.yaml"
cp "$C/keluhd.yaml" "$R$pkgdatadir/keluhd.yaml.shipped"
rm -f "$C/keluhd.yaml.dist"
submake install DESTDIR="$R" >"$TMPD/install3.log" 2>&1
is "third make install succeeds" "$?" 0
check "an unedited older keluhd.yaml is replaced by the new one" \
	cmp "$top_srcdir/etc/keluhd.yaml" "$C/keluhd.yaml"
check "... without a keluhd.yaml.dist" test ! -e "$C/keluhd.yaml.dist"

submake uninstall DESTDIR="$R" >"$TMPD/uninstall.log" 2>&1
is "make uninstall DESTDIR=... succeeds" "$?" 0
is "make uninstall leaves only the user's files" "$(find "$R" -type f -o -type l | sort)" \
	"$(printf '%s\n' "$C/rules.d/50-mine.yaml" "$C/rules.d/local.yaml" | sort)"

done_testing
