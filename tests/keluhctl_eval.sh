#!/bin/sh
# keluhctl eval and learn on small labelled files made here: the figures
# of a set counted by hand, the --json shape, the priority agreement of a
# mentions + gold pair, clear errors for bad label files, a model that
# learn writes and eval loads, byte for byte the same from the same labels,
# and --suggest's rules, which the rule loader takes and whose tests pass.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

PY=${PYTHON:-python3}
mkdir -p "$TMPD/rules" "$TMPD/sug"
cat >"$TMPD/rules/10.yaml" <<'Y'
rules:
  - id: t.refund
    score: 30
    when: {keywords: [refund]}
  - id: t.scam
    score: 60
    when: {keywords: [scam]}
  - id: t.late
    score: 20
    when: {keywords: [late]}
Y

# By hand: t.refund catches 1, 2, 5, 7; complaints are 1, 3, 5:
#   tp 2 (1, 5), fp 2 (2, 7), fn 1 (3), tn 3 (4, 6, 8)
#   complaint      P 2/4 = 0.5000  R 2/3 = 0.6667  F1 = 0.5714
#   not complaint  P 3/4 = 0.7500  R 3/5 = 0.6000  F1 = 0.6667
#   macro-F1 (0.5714 + 0.6667) / 2 = 0.6190, accuracy 5/8 = 0.6250
cat >"$TMPD/small.ndjson" <<'J'
{"id":"1","text":"I want a refund now","complaint":true}
{"id":"2","text":"what is your refund policy","complaint":false}
{"id":"3","text":"the app crashed again","complaint":true}
{"id":"4","text":"thanks, great service","complaint":false}
{"id":"5","text":"my refund is still missing","complaint":true}
{"id":"6","text":"love the new colours","complaint":false}
{"id":"7","text":"refund received, thank you","complaint":false}
{"id":"8","text":"nice day at the shop","complaint":false}
J

"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/small.ndjson" --rules-only --json \
	>"$TMPD/e.json" 2>"$TMPD/e.err"
is "eval --json: exit 0" "$?" 0
# field FILE PY-EXPR: the value of the expression over the JSON object j
field() {
	"$PY" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2" \
		2>&1 | tail -1
}
is "eval --json: macro_f1 counted by hand" "$(field "$TMPD/e.json" 'j["macro_f1"]')" 0.619
is "eval --json: precision of the complaints" "$(field "$TMPD/e.json" 'j["precision"]')" 0.5
is "eval --json: recall of the complaints" "$(field "$TMPD/e.json" 'j["recall"]')" 0.6667
is "eval --json: F1 of the complaints" "$(field "$TMPD/e.json" 'j["f1"]')" 0.5714
is "eval --json: accuracy" "$(field "$TMPD/e.json" 'j["accuracy"]')" 0.625
is "eval --json: the not-complaint class" \
	"$(field "$TMPD/e.json" '[j["results"][0]["not_complaint"][k] for k in ("precision","recall","f1")]')" \
	"[0.75, 0.6, 0.6667]"
is "eval --json: the confusion matrix" \
	"$(field "$TMPD/e.json" '[j["results"][0][k] for k in ("tp","fp","fn","tn")]')" "[2, 2, 1, 3]"
is "eval --json: per rule, its hits and the complaints among them" \
	"$(field "$TMPD/e.json" 'j["rules"]')" \
	"[{'id': 't.refund', 'hits': 4, 'complaints': 2, 'precision': 0.5}]"
is "eval --json: the missed complaint with its text" \
	"$(field "$TMPD/e.json" '[(m["id"], m["text"]) for m in j["missed"]]')" \
	"[('3', 'the app crashed again')]"
is "eval --json: one configuration with --rules-only" \
	"$(field "$TMPD/e.json" '[r["name"] for r in j["results"]]')" "['rules']"

"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/small.ndjson" --rules-only >"$TMPD/e.txt" 2>&1
is "eval: exit 0" "$?" 0
contains "eval: the rules' figures in percent" "$TMPD/e.txt" "complaint       P  50.0  R  66.7  F1  57.1"
contains "eval: macro-F1" "$TMPD/e.txt" "macro-F1  61.9"
contains "eval: the rule's line" "$TMPD/e.txt" "t.refund"
contains "eval: the missed complaint" "$TMPD/e.txt" "3  score 0  the app crashed again"

# The same labels as CSV (id,text,complaint) give the same figures.
{
	echo "id,text,complaint"
	"$PY" -c 'import json,sys,csv
w = csv.writer(sys.stdout, lineterminator="\n")
for l in open(sys.argv[1]):
    o = json.loads(l)
    w.writerow([o["id"], o["text"], 1 if o["complaint"] else 0])' "$TMPD/small.ndjson"
} >"$TMPD/small.csv"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/small.csv" --rules-only --json >"$TMPD/c.json" 2>&1
is "eval on CSV labels: the same macro_f1" "$(field "$TMPD/c.json" 'j["macro_f1"]')" 0.619

# A larger set, so that each fold has both labels: the model is
# cross-validated, alone and with the rules.
"$PY" - "$TMPD/big.ndjson" <<'P'
import json, sys
bad = ["refund", "broken", "never arrived", "crashed", "scam", "charged twice", "rude"]
good = ["thanks", "love", "great", "nice", "happy", "lovely", "cheers"]
with open(sys.argv[1], "w") as f:
    for i in range(60):
        c = i % 2 == 0
        w = (bad if c else good)[i % 7]
        t = "order %d %s %s" % (i, w, "again and again" if c else "as always")
        f.write(json.dumps({"id": "b%d" % i, "text": t, "complaint": c}) + "\n")
P
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/big.ndjson" --folds 3 --json >"$TMPD/b.json" \
	2>"$TMPD/b.err"
is "eval with a model: exit 0" "$?" 0
is "eval: rules, the cross-validated model, and both" \
	"$(field "$TMPD/b.json" '[(r["name"], r["cross_validated"]) for r in j["results"]]')" \
	"[('rules', False), ('model (cross-validated)', True), ('rules + model (cross-validated)', True)]"
is "eval: the folds said" "$(field "$TMPD/b.json" 'j["folds"]')" 3
is "eval: the top level is the rules without --model" "$(field "$TMPD/b.json" 'j["configuration"]')" rules

# learn: a model file that eval loads; the same labels give the same bytes
SOURCE_DATE_EPOCH=1767225600
export SOURCE_DATE_EPOCH
"$KELUHCTL" learn --labels "$TMPD/big.ndjson" -o "$TMPD/one.model" --folds 3 >"$TMPD/l.out" 2>&1
is "learn: exit 0" "$?" 0
contains "learn: the cross-validated figure" "$TMPD/l.out" "3-fold cross-validated: macro-F1"
contains "learn: the label counts" "$TMPD/l.out" "60 labelled mentions (30 complaints, 30 not)"
contains "learn: the date stored" "$TMPD/l.out" "date 2026-01-01T00:00:00"
"$KELUHCTL" learn --labels "$TMPD/big.ndjson" -o "$TMPD/two.model" --folds 3 >/dev/null 2>&1
check "learn: the same labels give a byte-identical model" cmp "$TMPD/one.model" "$TMPD/two.model"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/big.ndjson" --model "$TMPD/one.model" \
	--rules-only --json >"$TMPD/m.json" 2>&1
is "eval --model: the model loads and is measured" \
	"$(field "$TMPD/m.json" '[r["name"] for r in j["results"]]')" \
	"['rules', 'model (--model)', 'rules + model (--model)']"
is "eval --model: the top level is the rules with the model" \
	"$(field "$TMPD/m.json" 'j["configuration"]')" "rules + model (--model)"
is "eval --model: the model scores its own training set well" \
	"$(field "$TMPD/m.json" 'j["results"][1]["macro_f1"] > 0.9')" True
printf 'keluh-model 1\ngarbage\n' >"$TMPD/bad.model"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/big.ndjson" --model "$TMPD/bad.model" \
	--rules-only >"$TMPD/bm.out" 2>&1
is "eval --model with a broken file: exit 1" "$?" 1
contains "eval --model with a broken file: the file named" "$TMPD/bm.out" "$TMPD/bad.model: error:"
unset SOURCE_DATE_EPOCH

# the shipped example models load (a new model format means training them again)
for m in en-example id-example; do
	"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/big.ndjson" \
		--model "$top_srcdir/models/$m.model" --rules-only --json >"$TMPD/x.json" 2>"$TMPD/x.err"
	is "models/$m.model loads and is measured" "$?" 0
done

# the dev sets' shape: mentions NDJSON + gold CSV with a priority column.
# t.refund (30) rates normal, t.scam (60) high, t.late (20) low: p1 and
# p5 agree, p2 is not caught (none, labelled low), p3 is low but labelled
# normal: 2 of 4. A normal threshold of 20 makes p3 agree too.
cat >"$TMPD/pair.ndjson" <<'J'
{"id":"p1","source":"x","lang":"en","text":"I want a refund now"}
{"id":"p2","source":"x","lang":"en","text":"the app crashed again"}
{"id":"p3","source":"x","lang":"en","text":"the parcel is late"}
{"id":"p4","source":"x","lang":"en","text":"lovely shop"}
{"id":"p5","source":"x","lang":"en","text":"this is a scam"}
J
cat >"$TMPD/pair.csv" <<'C'
id,complaint,severity,priority,category
p1,1,2,normal,x
p2,1,1,low,x
p3,1,2,normal,x
p4,0,0,,x
p5,1,4,high,x
C
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/pair.ndjson" --gold "$TMPD/pair.csv" --rules-only \
	--json >"$TMPD/p.json" 2>"$TMPD/p.err"
is "eval --gold: exit 0" "$?" 0
is "eval --gold: calibrated" "$(field "$TMPD/p.json" 'j["priority"]["calibrated"]')" True
is "eval --gold: the labelled priorities counted" "$(field "$TMPD/p.json" 'j["priority"]["labelled"]')" 4
is "eval --gold: exact agreement counted by hand (p1, p5 of 4)" \
	"$(field "$TMPD/p.json" 'j["priority"]["agreement"]')" 0.5
is "eval --gold: the thresholds in use" \
	"$(field "$TMPD/p.json" 'j["priority"]["thresholds"]')" \
	"{'low': 10, 'normal': 25, 'high': 50, 'critical': 80}"
is "eval --gold: tuned thresholds make p3 normal (normal 20)" \
	"$(field "$TMPD/p.json" '(j["priority"]["tuned_agreement"], j["priority"]["tuned_thresholds"]["normal"])')" \
	"(0.75, 20)"

# thresholds far apart are not calibrated (the pairs tried grow with the
# square of critical - low), and say so; only p1 agrees (p5 is normal now)
mkdir -p "$TMPD/wide"
cp "$TMPD/rules/10.yaml" "$TMPD/wide/"
printf 'scoring:\n  thresholds: {critical: 100000, high: 50000, normal: 25, low: 10}\n' \
	>"$TMPD/wide/00.yaml"
"$KELUHCTL" eval -r "$TMPD/wide" --labels "$TMPD/pair.ndjson" --gold "$TMPD/pair.csv" --rules-only \
	--json >"$TMPD/w.json" 2>&1
is "eval --gold, thresholds 99,990 apart: not calibrated" \
	"$(field "$TMPD/w.json" '(j["priority"]["calibrated"], j["priority"]["agreement"])')" "(False, 0.25)"

# bad inputs: each with a clear error
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/none.ndjson" >"$TMPD/x1" 2>&1
is "eval: a missing labels file: exit 1" "$?" 1
contains "eval: a missing labels file is named" "$TMPD/x1" "$TMPD/none.ndjson"
cp "$TMPD/small.ndjson" "$TMPD/badline.ndjson"
echo '{"id":"9","text":"meh","complaint":"maybe"}' >>"$TMPD/badline.ndjson"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/badline.ndjson" --rules-only --json \
	>"$TMPD/x2.json" 2>"$TMPD/x2.err"
is "eval: a bad label line: exit 1" "$?" 1
contains "eval: the bad line with its place" "$TMPD/x2.err" "$TMPD/badline.ndjson:9:"
contains "eval: the others are used, and it says so" "$TMPD/x2.err" "1 line(s) refused"
is "eval: the figures of the good lines still" "$(field "$TMPD/x2.json" 'j["macro_f1"]')" 0.619
printf 'id,severity\np1,3\n' >"$TMPD/nocol.csv"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/pair.ndjson" --gold "$TMPD/nocol.csv" \
	>"$TMPD/x3" 2>&1
is "eval --gold without a complaint column: exit 1" "$?" 1
contains "eval --gold without a complaint column: said" "$TMPD/x3" "complaint"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/small.ndjson" --folds 1 >"$TMPD/x4" 2>&1
is "eval --folds 1: exit 2" "$?" 2
contains "eval --folds 1: the range" "$TMPD/x4" "--folds takes a number of folds from 2 to 20"
head -3 "$TMPD/small.ndjson" | grep -v '"complaint":false' >"$TMPD/onlyc.ndjson"
"$KELUHCTL" eval -r "$TMPD/rules" --labels "$TMPD/onlyc.ndjson" --folds 2 >"$TMPD/x5" 2>&1
is "eval: labels of one class cannot train a model: exit 1" "$?" 1
contains "eval: and it says how to go on" "$TMPD/x5" "--rules-only"
"$KELUHCTL" learn --labels "$TMPD/small.ndjson" >"$TMPD/x6" 2>&1
is "learn without -o or --suggest: exit 2" "$?" 2
contains "learn without -o or --suggest: said" "$TMPD/x6" "one of -o NAME.model or --suggest"

# --suggest: "never arrived" catches the three complaints the rules miss;
# "arrived" and "never" alone have a false alarm each.
cat >"$TMPD/sug.ndjson" <<'J'
{"id":"s1","text":"my parcel never arrived","complaint":true}
{"id":"s2","text":"order never arrived yet","complaint":true}
{"id":"s3","text":"the package never arrived!!","complaint":true}
{"id":"s4","text":"it arrived today, thanks","complaint":false}
{"id":"s5","text":"never better, love it","complaint":false}
{"id":"s6","text":"refund please","complaint":true}
J
"$KELUHCTL" learn -r "$TMPD/rules" --labels "$TMPD/sug.ndjson" --suggest >"$TMPD/sug/50-suggested.yaml" \
	2>"$TMPD/s.err"
is "learn --suggest: exit 0" "$?" 0
contains "learn --suggest: the phrase" "$TMPD/sug/50-suggested.yaml" 'keywords: ["never arrived"]'
contains "learn --suggest: what it catches" "$TMPD/sug/50-suggested.yaml" \
	"catches 3 missed complaints, 0 false alarms (100% precision)"
contains "learn --suggest: with a test" "$TMPD/sug/50-suggested.yaml" "complaint: true"
"$KELUHCTL" test -r "$TMPD/rules" -r "$TMPD/sug" --verify >"$TMPD/v.out" 2>&1
is "learn --suggest: the rules load and their tests pass" "$?" 0
contains "learn --suggest: tests were run" "$TMPD/v.out" "passed, 0 failed"
echo "the parcel never arrived" | "$KELUHCTL" test -r "$TMPD/rules" -r "$TMPD/sug" --json \
	>"$TMPD/st.json" 2>&1
is "learn --suggest: the rule catches a new post" "$(field "$TMPD/st.json" 'j["complaint"]')" True

# Copies of one text count once: the retweets of s3 (and the plain copies of
# s4) add nothing to "never arrived"'s figures, and one complaint posted
# three times is not three complaints a keyword of its own would catch.
cp "$TMPD/sug.ndjson" "$TMPD/rt.ndjson"
cat >>"$TMPD/rt.ndjson" <<'J'
{"id":"r1","text":"RT @shop: the package never arrived!!","complaint":true}
{"id":"r2","text":"RT @ana: RT @shop: The package NEVER arrived!!","complaint":true}
{"id":"r3","text":"it arrived today, thanks","complaint":false}
{"id":"r4","text":"IT ARRIVED TODAY, THANKS","complaint":false}
{"id":"r5","text":"zipper broke on day one","complaint":true}
{"id":"r6","text":"zipper broke on day one","complaint":true}
{"id":"r7","text":"RT @bo: zipper broke on day one","complaint":true}
J
"$KELUHCTL" learn -r "$TMPD/rules" --labels "$TMPD/rt.ndjson" --suggest >"$TMPD/rt.yaml" 2>"$TMPD/rt.err"
is "learn --suggest, copies: exit 0" "$?" 0
grep -A1 "id: suggested.01_never_arrived" "$TMPD/rt.yaml" >"$TMPD/rt.first"
contains "learn --suggest, copies: counted once" "$TMPD/rt.first" \
	"catches 3 missed complaints, 0 false alarms (100% precision)"
contains "learn --suggest, copies: missed complaints are distinct texts" "$TMPD/rt.yaml" \
	"from $TMPD/rt.ndjson: 4 labelled complaints"
contains "learn --suggest, copies: says how many were left out" "$TMPD/rt.yaml" \
	"6 copies left out"
lacks "learn --suggest, copies: one post is not three catches" "$TMPD/rt.yaml" "zipper"

done_testing
