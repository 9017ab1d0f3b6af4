#!/bin/sh
# Models beside the rules, against the real keluhd and keluhctl: a model of
# models: scores every verdict and makes a complaint no rule caught, a rule
# asks a model with model:, the n-grams that pushed the model up are the
# evidence (keluhctl test --json, the webhook's matches, highlighted in the
# chat message); models reload on SIGHUP, and a model file that does not
# load is refused with its error while the old model keeps running; the
# console's playground checks drafts with the running set's models, whose
# files are not read again for them (keluh_model_files_read_total). A
# complaint only a model made groups under rule=model:NAME, and its chat
# headline, keluhctl show and keluhctl test say that model found it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"

MODEL_WRITE=${top_builddir:-.}/tests/model_write
[ -x "$MODEL_WRITE" ] || MODEL_WRITE=$(dirname "$KELUHD")/tests/model_write

# labelled lines: refunds and waiting are complaints, thanks and praise not
cat >"$TMPD/labels.txt" <<'L'
1 my refund never arrived, terrible service
1 still waiting for my refund after two weeks
1 the app keeps crashing and support ignores me
1 where is my money, refund please
1 worst service ever, nobody answers
1 order not delivered and no refund
1 charged twice and still no refund
1 waiting a week, nobody answers my chat
0 thanks for the quick help today
0 love the new update, great job
0 happy with my order, arrived early
0 great service, thank you team
0 just ordered a new phone case
0 the new colours look nice
0 thank you for the fast delivery
0 nice promo this weekend
L
mkdir -p "$TMPD/models"
"$MODEL_WRITE" "$TMPD/models/brand.model" <"$TMPD/labels.txt"
is "a model is trained for the test" "$?" 0
# the same texts with the labels the other way round: what a reload brings
sed 's/^1 /x /; s/^0 /1 /; s/^x /0 /' "$TMPD/labels.txt" |
	"$MODEL_WRITE" "$TMPD/models/flipped.model"

start_sink wh
start_sink slk --body ok
TOK=models-test-token-0123456789
echo "$TOK" >"$TMPD/ui.token"
mkdir -p "$TMPD/ui"
echo '<!doctype html><title>keluh</title>' >"$TMPD/ui/index.html"
write_login_rules
add_rules <<'Y'
  - id: t.order
    description: Order trouble the model confirms
    team: ops
    score: 40
    when:
      all:
        - keywords: [order]
        - model: {name: brand, above: 0.6}
Y
write_conf "$TMPD/c.yaml" <<Y
models:
  - {name: brand, file: models/brand.model, score: 40}
receivers:
  - {name: wh, type: webhook, url: "http://127.0.0.1:$wh_port/wh"}
  - {name: slk, type: slack, url: "http://127.0.0.1:$slk_port/slack"}
routes:
  - {receivers: [wh, slk]}
ui:
  enabled: true
  listen: http
  token_file: $TMPD/ui.token
  root: $TMPD/ui
$(conf_at_once)
Y

# keluhctl test --json: the model's part of the score and its evidence spans
text='still waiting for my refund, terrible'
printf '%s\n' "$text" | "$KELUHCTL" test -c "$TMPD/c.yaml" --json >"$TMPD/t.json" 2>"$TMPD/t.err"
is "keluhctl test with the configuration's model: exit 0" "$?" 0
python3 - "$TMPD/t.json" "$text" >"$TMPD/t.check" <<'PY'
import json, sys
v = json.loads(open(sys.argv[1]).readline())
text = sys.argv[2].encode()
ms = v["breakdown"]["models"]
m = ms["models"][0]
print(v["complaint"], v["rules"], ms["sum"] == m["score"], m["name"], m["p"] > 0.6,
      m["score"] == round(40 * (m["p"] - 0.5)))
ev = [x for x in v["matches"] if x["kind"] == "model"]
print(len(ev) > 0, all(x["rule"] is None and x["model"] == "brand" and x["weight"] > 0 for x in ev))
# every span is the raw text of its n-gram, which is that text folded
print(all(text[x["start"]:x["end"]].decode() == x["text"] and x["text"].lower() == x["pattern"]
          for x in ev))
print(any(x["pattern"] == "refund" for x in ev))
PY
is "the model makes a complaint no rule matched, adding 40 x (p - 0.5)" "$(sed -n 1p "$TMPD/t.check")" \
	"True [] True brand True True"
is "its evidence: n-grams under no rule, with the model and a weight" "$(sed -n 2p "$TMPD/t.check")" "True True"
is "each n-gram's byte span is its text in the mention" "$(sed -n 3p "$TMPD/t.check")" True
is "the strongest word is among them" "$(sed -n 4p "$TMPD/t.check")" True
printf '%s\n' "$text" | "$KELUHCTL" test -c "$TMPD/c.yaml" --color never >"$TMPD/t.out" 2>&1
contains "keluhctl test names the model's part of the score" "$TMPD/t.out" " model brand (p 0."
contains "keluhctl test highlights the model's n-grams like keywords" "$TMPD/t.out" "«refund»"

# a rule's model: condition, only asked when its keyword is there
printf 'my order never arrived, no refund\nmy order arrived early, thank you\n' |
	"$KELUHCTL" test -c "$TMPD/c.yaml" --json >"$TMPD/o.json"
python3 - "$TMPD/o.json" >"$TMPD/o.check" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    v = json.loads(line)
    rule_ev = [x for x in v["matches"] if x["kind"] == "model" and x["rule"] == "t.order"]
    print(v["rules"], len(v["breakdown"]["models"]["models"]), len(rule_ev) > 0, "model" in v)
PY
is "model: holds above its probability, and is its rule's evidence; asked once a mention" \
	"$(cat "$TMPD/o.check")" "['t.order'] 1 True False
[] 1 False False"

# keluhctl test --model FILE: as a models: entry, named after the file
printf '%s\n' "$text" | "$KELUHCTL" test -r "$TMPD/rules.d" --model "$TMPD/models/brand.model" \
	--json >"$TMPD/m.json" 2>&1
is "test --model: exit 0" "$?" 0
contains "test --model: the model is named after its file and scores" "$TMPD/m.json" '"models":{"sum":'
contains "test --model: its evidence" "$TMPD/m.json" '"kind":"model","pattern":"refund","model":"brand"'
"$KELUHCTL" test -r "$TMPD/rules.d" --model "$TMPD/models/none.model" </dev/null >"$TMPD/nm.out" 2>&1
is "test --model with no such file: exit 2" "$?" 2
contains "test --model with no such file: says which" "$TMPD/nm.out" \
	"--model: error: model 'none' does not load: $TMPD/models/none.model"

# rule errors that need the configured models
mkdir -p "$TMPD/bad.d"
cat >"$TMPD/bad.d/10.yaml" <<'Y'
rules:
  - id: b.typo
    score: 10
    when: {model: {name: brnd, above: 0.5}}
  - id: b.above
    score: 10
    when: {model: {name: brand, above: 1.5}}
Y
"$KELUHCTL" test -r "$TMPD/bad.d" --model "$TMPD/models/brand.model" </dev/null >"$TMPD/bad.out" 2>&1
is "a rule naming an unknown model: exit 2" "$?" 2
contains "an unknown model: did you mean, and the models there are" "$TMPD/bad.out" \
	"$TMPD/bad.d/10.yaml:4:26: error: unknown model 'brnd'; did you mean 'brand'? (the models configured are: brand)"
contains "above outside 0 to 1: located, with what it means" "$TMPD/bad.out" \
	"$TMPD/bad.d/10.yaml:7:40: error: above '1.5' is not a probability between 0 and 1"

# models: entries that are wrong, each at its place with what to write
cat >"$TMPD/k.yaml" <<'Y'
rules: rules.d
spool:
  path: k.db
models:
  - {name: brand, file: models/brand.model, scor: 40}
  - {file: models/brand.model}
  - {name: Brand, file: models/brand.model}
  - {name: other, file: models/brand.model, score: lots}
  - {name: nofile}
  - brand.model
Y
"$KELUHD" --check -c "$TMPD/k.yaml" >/dev/null 2>"$TMPD/k.err"
is "keluhd --check of bad models: entries: exit 1" "$?" 1
is "... every error in one pass" "$(grep -c ': error: ' "$TMPD/k.err")" 6
contains "... a misspelt key" "$TMPD/k.err" "k.yaml:5:45: error: unknown key 'scor' in a model; did you mean 'score'?"
contains "... two models of one name (the second from its file's)" "$TMPD/k.err" \
	"k.yaml:6:5: error: duplicate model 'brand' (first at line 5)"
contains "... a name rules cannot use" "$TMPD/k.err" "k.yaml:7:12: error: model name 'Brand' may only use"
contains "... a score that is no number" "$TMPD/k.err" "k.yaml:8:52: error: score 'lots' must be a number"
contains "... no file" "$TMPD/k.err" "k.yaml:9:5: error: a model needs 'file:'"
contains "... not a mapping" "$TMPD/k.err" "k.yaml:10:5: error: a model must be a mapping"

start_keluhd "$TMPD/c.yaml"
contains "the log names the model, its file and figures" "$klog" \
	"model brand: $TMPD/models/brand.model (trained "
r=$(post '{"id":"w1","text":"still waiting for my refund, terrible"}
{"id":"w2","text":"thank you team, great service"}')
is "the model's complaint is accepted, its praise is not one" "$r" \
	'202 {"accepted":2,"complaints":1,"duplicates":0}'
wait_for 15 sh -c "test -s $wh_log && test -s $slk_log"
python3 - "$wh_log" >"$TMPD/wh.check" <<'PY'
import json, sys
a = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["alert"]
m = a["mentions"][0]
ev = [x for x in m["matches"] if x["kind"] == "model"]
print(m["id"], any(x["pattern"] == "refund" and x["text"] == "refund" and x["rule"] is None
                   for x in ev))
PY
is "the alert's mention carries the model's n-grams as matches" "$(cat "$TMPD/wh.check")" "w1 True"
contains "the chat message highlights them like keyword matches" "$slk_log" '*refund*'
id=$("$KELUHCTL" alerts --json --spool "$TMPD/c.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["alert"])')
"$KELUHCTL" show --spool "$TMPD/c.db" "$id" >"$TMPD/show.out" 2>&1
contains "keluhctl show names the model of each n-gram" "$TMPD/show.out" \
	"evidence: - model brand 'refund' matched 'refund'"

# the playground: drafts that name the model share the running set's, so
# its file is read once at start and not again for each draft
is "the model's file was read once at start" "$(metric_value keluh_model_files_read_total)" 1
# pgpost PATH N: a draft (a model: rule, told apart by a comment N) to
# /v1/playground[PATH]; the status printed, the body to $TMPD/pg.out
pgpost() {
	python3 - "$TMPD/pg.json" "$2" "$1" <<'PY'
import json, sys
d = "rules:\n  - id: d.refund\n    score: 30\n    when:\n      all:\n" \
    "        - keywords: [refund]\n        - model: {name: brand, above: 0.6}\n# draft %s\n" % sys.argv[2]
b = {"rules": d, "file": "draft.yaml"}
b.update({"days": 1} if sys.argv[3] else {"text": "still waiting for my refund, terrible"})
json.dump(b, open(sys.argv[1], "w"))
PY
	curl -s -o "$TMPD/pg.out" -w '%{http_code}' -H "Authorization: Bearer $TOK" \
		-H 'Content-Type: application/json' --data-binary @"$TMPD/pg.json" "$URL/v1/playground$1"
}
for n in 1 2 3; do
	is "playground draft $n: 200" "$(pgpost "" $n)" 200
done
is "the draft compiles, and its model: rule asks the running model" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["draft"]["ok"], j["rules"])' "$TMPD/pg.out")" \
	"True ['d.refund']"
is "a backtest of a draft: 200" "$(pgpost /backtest 4)" 200
is "... three drafts and a backtest later, the file was not read again" \
	"$(metric_value keluh_model_files_read_total)" 1

# a model file cut short: the reload is refused, saying where and why
cp "$TMPD/models/brand.model" "$TMPD/brand.good"
head -c 200 "$TMPD/brand.good" >"$TMPD/models/brand.model"
kill -HUP "$KPID"
wait_for 10 grep -q 'reload failed' "$klog"
contains "a model that does not load is refused at its file: key" "$klog" \
	"reload failed, keeping the running configuration: $TMPD/c.yaml:7:25: model 'brand' does not load: $TMPD/models/brand.model: error:"
r=$(post '{"id":"w3","text":"still waiting for my refund, terrible"}')
is "and the old model keeps running" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'

# another model in the file: a reload takes it
cp "$TMPD/models/flipped.model" "$TMPD/models/brand.model"
kill -HUP "$KPID"
wait_for 10 grep -q 'reloaded:' "$klog"
r=$(post '{"id":"w4","text":"still waiting for my refund, terrible"}
{"id":"w5","text":"thank you team, great service"}')
is "after a reload the new model decides" "$r" '202 {"accepted":2,"complaints":1,"duplicates":0}'
is "each reload read the model's file again" "$(metric_value keluh_model_files_read_total)" 3
is "a draft after the reload: 200" "$(pgpost "" 5)" 200
is "... and its model: rule asks the new model" \
	"$(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["draft"]["ok"], j["rules"])' "$TMPD/pg.out")" \
	"True []"
is "... whose file is not read again either" "$(metric_value keluh_model_files_read_total)" 3
wait_until 15 'grep -q "w5" "$wh_log"'
contains "... the praise is the complaint now" "$wh_log" '\"id\":\"w5\"'
lacks "... and the refund is not" "$wh_log" '\"id\":\"w4\"'
stop_keluhd

# a complaint no rule matched, made by the model: grouped by rule and team
# (the default), its group names the model, and so does its headline
cp "$TMPD/brand.good" "$TMPD/models/brand.model"
: >"$wh_log"
: >"$slk_log"
write_conf "$TMPD/g.yaml" <<Y
models:
  - {name: brand, file: models/brand.model, score: 40}
receivers:
  - {name: wh, type: webhook, url: "http://127.0.0.1:$wh_port/wh"}
  - {name: slk, type: slack, url: "http://127.0.0.1:$slk_port/slack"}
routes:
  - {receivers: [wh, slk]}
grouping:
  by: [rule, team]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
Y
start_keluhd "$TMPD/g.yaml"
r=$(post '{"id":"g1","text":"still waiting for my refund, terrible"}')
is "a complaint only the model made: accepted" "$r" '202 {"accepted":1,"complaints":1,"duplicates":0}'
wait_for 15 sh -c "test -s $wh_log && test -s $slk_log"
python3 - "$wh_log" >"$TMPD/g.check" <<'PY'
import json, sys
a = json.loads(json.loads(open(sys.argv[1]).readline())["body"])["alert"]
print(a["group"]); print(a["rules"], a["mentions"][0]["rules"], a["mentions"][0]["model"])
PY
is "its group key names the model" "$(sed -n 1p "$TMPD/g.check")" "rule=model:brand|team="
is "its mention says which model made it, and no rule" "$(sed -n 2p "$TMPD/g.check")" "[] [] brand"
contains "the chat headline says the model found it" "$slk_log" "Complaint found by model brand"
lacks "... not the bare 'complaints'" "$slk_log" ": complaints"
contains "... with its n-grams highlighted like keywords" "$slk_log" '*refund*'
id=$("$KELUHCTL" alerts --json --spool "$TMPD/g.db" | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["alert"])')
"$KELUHCTL" show --spool "$TMPD/g.db" "$id" >"$TMPD/gshow.out" 2>&1
contains "keluhctl show says which model found it" "$TMPD/gshow.out" \
	"  found by model brand (no rule matched)"
printf '%s\n' "still waiting for my refund, terrible" |
	"$KELUHCTL" test -c "$TMPD/g.yaml" --color never >"$TMPD/gtest.out" 2>&1
contains "keluhctl test says the same" "$TMPD/gtest.out" "  found by model brand (no rule matched)"
"$KELUHCTL" show --json --spool "$TMPD/g.db" "$id" >"$TMPD/gshow.json" 2>&1
printf '%s\n' "still waiting for my refund, terrible" |
	"$KELUHCTL" test -c "$TMPD/g.yaml" --json >"$TMPD/gtest.json" 2>&1
is "... and so do their --json, with the model beside the rules" \
	"$(python3 -c 'import json,sys; print(*[(lambda j: (j["rules"], j["model"]))(json.loads(open(f).readline())) for f in sys.argv[1:]])' "$TMPD/gshow.json" "$TMPD/gtest.json")" \
	"([], 'brand') ([], 'brand')"
stop_keluhd

done_testing
