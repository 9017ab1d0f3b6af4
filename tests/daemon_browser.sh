#!/bin/sh
# The web console in a real browser: headless Chromium, driven by
# chromedriver through python3-selenium (tests/browser/console.py), against
# the real keluhd serving ui/ of the source tree, with a spool seeded
# through POST /v1/mentions (three teams of complaints, one hostile
# mention, mentions that are no complaint) and a receiver that refuses
# every alert, so there are dead letters. The checks are on the DOM: login,
# every page without a JS error or CSP violation, the Trends chart's data
# against what was posted, the playground's highlight, hostile text kept as
# text, a change by another user shown live, the phone layout. Screenshots
# of every page go to the artifact directory, printed below.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

PY=/usr/bin/python3
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] ||
	! "$PY" -c 'import selenium.webdriver' 2>/dev/null; then
	skip "the web console in a real browser" "no chromium/chromedriver/python3-selenium"
	done_testing
	exit $?
fi

# tap_lines FILE STATUS: the script's results in FILE, numbered here; a
# script that failed without saying which check failed fails too
tap_lines() {
	while IFS= read -r line; do
		case $line in
		"PASS "*) ok "${line#PASS }" ;;
		"FAIL "*) not_ok "${line#FAIL }" ;;
		"SKIP "*) rest=${line#SKIP }; skip "${rest%% | *}" "${rest#* | }" ;;
		*) echo "# $line" ;;
		esac
	done <"$1"
	if [ "$2" -ne 0 ] && ! grep -q '^FAIL ' "$1"; then
		not_ok "the browser script ran to its end (exit $2)" "$(tail -n 20 "$ART/browser.err" "$TMPD/browser.err" 2>/dev/null)"
	fi
}

ART=${KELUH_BROWSER_ARTIFACTS:-$top_builddir/tests/browser-artifacts}
rm -f "$ART"/*.png "$ART"/browser.log "$ART"/browser.err
mkdir -p "$ART" || { not_ok "the artifact directory $ART can be made"; done_testing; exit 1; }
echo "# screenshots and the browser's log: $ART"

start_sink hook
start_sink bad --default 400
TOKEN=ui-token-$$-$(date +%s)
printf '%s\n' "$TOKEN" >"$TMPD/ui.token"
chmod 600 "$TMPD/ui.token"
write_rules <<'Y'
rules:
  - id: t.login
    description: Cannot log in
    team: tech
    score: 30
    when: {keywords: [gagal login, cannot login]}
  - id: b.refund
    description: Refund not received
    team: billing
    score: 55
    when: {keywords: [refund]}
  - id: o.down
    description: The app is down for everyone
    team: ops
    score: 85
    when: {keywords: [down total]}
  - id: x.never
    description: A rule nothing matches
    team: tech
    score: 30
    when: {keywords: [zzqx never here]}
Y
write_conf "$TMPD/c.yaml" "{packs: [], dir: rules.d}" <<Y
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:$hook_port/h"}
  - {name: bad, type: webhook, url: "http://127.0.0.1:$bad_port/b"}
routes:
  - {receivers: [hook, bad]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
  updates_at_most_every: 1s
sla:
  critical: {ack: 1s, resolve: 4h}
  high: {ack: 30m, resolve: 8h}
  normal: {ack: 2h}
display:
  language: en
  timezone: Asia/Jakarta
ui:
  enabled: true
  listen: http
  token_file: $TMPD/ui.token
  root: $top_srcdir/ui
  rules_writable: true
Y

if "$KELUHD" --check -c "$TMPD/c.yaml" >"$TMPD/check.out" 2>&1; then
	:
elif grep -q "unknown key 'ui'" "$TMPD/check.out"; then
	skip "the web console in a real browser" "this keluhd has no web console yet (ui: is unknown)"
	done_testing
	exit $?
else
	not_ok "keluhd --check takes the console's configuration" "$(cat "$TMPD/check.out")"
	done_testing
	exit 1
fi
start_keluhd "$TMPD/c.yaml" || { not_ok "keluhd starts with the console"; done_testing; exit 1; }
code=$(curl -s -o "$TMPD/index.html" -w '%{http_code}' "$URL/ui/")
if [ "$code" = 404 ]; then
	skip "the web console in a real browser" "this keluhd does not serve /ui/ yet"
	done_testing
	exit $?
fi
is "keluhd serves the console's page at /ui/" "$code" 200

# --- the seeded spool: what the charts must count --------------------------------
# tech: 5 login complaints; billing: 3 refunds (one hostile); ops: 2 outages;
# and 4 mentions that are no complaint.
HOSTILE='refund <script>alert(1)</script> \"><img src=x onerror=alert(1)> \u202eabc'
{
	for i in 1 2 3 4 5; do
		printf '{"id":"login-%s","text":"gagal login terus dari pagi %s","author":{"handle":"@user%s"},"url":"https://example.com/p/%s"}\n' "$i" "$i" "$i" "$i"
	done
	printf '{"id":"refund-1","text":"refund saya belum masuk 😀","author":{"handle":"@ani"}}\n'
	printf '{"id":"refund-2","text":"mana refund nya min","author":{"handle":"@budi"}}\n'
	printf '{"id":"hostile","text":"%s","author":{"handle":"@\\u202emallory"},"url":"javascript:alert(1)"}\n' "$HOSTILE"
	printf '{"id":"down-1","text":"aplikasi down total dari tadi"}\n'
	printf '{"id":"down-2","text":"down total lagi, parah"}\n'
	for i in 1 2 3 4; do
		printf '{"id":"fine-%s","text":"terima kasih, sudah beres %s"}\n' "$i" "$i"
	done
} >"$TMPD/seed.ndjson"
out=$(post "$(cat "$TMPD/seed.ndjson")")
is "the seed mentions are taken" "${out%% *}" 202
# an alert a case (grouped by rule and team), and each went to bad: a dead letter
wait_until 20 '[ "$(metric_value '"'"'keluh_deliveries_total{receiver="bad",outcome="dead"}'"'"')" -ge 3 ]'
check "dead letters: bad refuses every alert with 400" \
	test "$(metric_value 'keluh_deliveries_total{receiver="bad",outcome="dead"}')" -ge 3

cat >"$TMPD/expect.json" <<J
{"teams": {"tech": 5, "billing": 3, "ops": 2}, "mentions": 14,
 "hostile_id": "hostile", "never": "x.never", "rule": "t.login",
 "cases": {"t.login": "tech", "b.refund": "billing", "o.down": "ops"}}
J

"$PY" "$top_srcdir/tests/browser/console.py" --url "$URL" --token "$TOKEN" \
	--expect "$TMPD/expect.json" --artifacts "$ART" >"$TMPD/browser.tap" 2>"$TMPD/browser.err"
tap_lines "$TMPD/browser.tap" $?
cp "$TMPD/browser.err" "$ART/browser.err" 2>/dev/null

# --- display.language: id, after a reload -----------------------------------------
sed -i 's/^  language: en$/  language: id/' "$TMPD/c.yaml"
reloads=$(metric_value 'keluh_reloads_total{result="ok"}')
kill -HUP "$KPID"
wait_until 20 '[ "$(metric_value '"'"'keluh_reloads_total{result="ok"}'"'"')" -gt "$reloads" ]'
is "the reload to display.language id worked" \
	"$(metric_value 'keluh_reloads_total{result="ok"}')" $((reloads + 1))
"$PY" "$top_srcdir/tests/browser/console.py" --url "$URL" --token "$TOKEN" \
	--expect "$TMPD/expect.json" --artifacts "$ART" --language id >"$TMPD/browser-id.tap" 2>>"$ART/browser.err"
tap_lines "$TMPD/browser-id.tap" $?

echo "# screenshots: $(ls "$ART" | tr '\n' ' ')"
stop_keluhd
done_testing
