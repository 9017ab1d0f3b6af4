#!/usr/bin/env python3
"""Measure keluh's rule packs against labelled mentions.

    eval.py [--errors] [--top K] KELUHCTL RULES_DIR... [EVAL_DIR]
    eval.py [--errors] [--top K] --packs core,city KELUHCTL [EVAL_DIR]
    eval.py [--errors] [--top K] --config keluhd.yaml KELUHCTL [EVAL_DIR]

For each EVAL_DIR/*.dev.mentions.ndjson, runs
    KELUHCTL test -r RULES_DIR [-r RULES_DIR...] --json FILE
(or -c CONFIG: the rule set keluhd would run with that configuration;
--packs names shipped packs of the source tree, packs/NAME, loaded in
that order as one set)
joins the verdicts ({"id", "complaint", "priority", "score", "rules", ...},
one per line) with the matching *.dev.gold.csv by id, and prints for each
set: n, accuracy, macro-F1 over the two classes (complaint / not), P/R/F1
of each class and priority agreement on the gold rows that carry a
priority. With --errors, also the most frequent false positives and false
negatives (identical texts counted together) and the rules behind the false
positives.

EVAL_DIR defaults to ../shared/eval beside the source tree; a last
positional directory holding *.dev.mentions.ndjson files is taken as it. When it does not
exist the script says so and exits 0: the labelled sets are not part of
keluh and are never copied into it.

Each set also ends with one machine-readable line for bench/run.sh:
    eval set=NAME lang=LL n=N accuracy=A macro_f1=F priority_agreement=P
(percentages).
"""

import argparse
import collections
import csv
import json
import os
import signal
import subprocess
import sys

PRIOS = ["none", "low", "normal", "high", "critical"]


def default_eval_dir():
    top = os.environ.get("top_srcdir")
    if not top:
        top = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
    return os.path.normpath(os.path.join(top, os.pardir, "shared", "eval"))


def read_mentions(path):
    ids, texts = [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                m = json.loads(line)
            except ValueError:
                continue
            mid = str(m.get("id", ""))
            ids.append(mid)
            texts[mid] = m.get("text", "")
    return ids, texts


def read_gold(path):
    gold = {}
    with open(path, encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            gold[row["id"]] = row
    return gold


def rules_args(args):
    if args.config:
        return ["-c", args.config]
    out = []
    for d in args.rules:
        out += ["-r", d]
    return out


def run_keluhctl(keluhctl, rules, path):
    """Returns ({id: verdict}, error string or None)."""
    cmd = [keluhctl, "test"] + rules + ["--json", path]
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        return None, "%s: %s" % (keluhctl, e)
    verdicts = []
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and "complaint" in v:
            verdicts.append(v)
    if p.returncode != 0 and not verdicts:
        err = p.stderr.decode("utf-8", "replace").strip().splitlines()
        return None, "%s exited %d: %s" % (" ".join(cmd), p.returncode,
                                           "; ".join(err[-3:]) or "no output")
    return verdicts, None


def prf(tp, fp, fn):
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f


def rule_ids(v):
    out = []
    for x in v.get("rules") or []:
        out.append(str(x.get("id", "?")) if isinstance(x, dict) else str(x))
    return out


def short(text, width=110):
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def evaluate(name, mentions_path, gold_path, args):
    ids, texts = read_mentions(mentions_path)
    gold = read_gold(gold_path)
    verdicts, err = run_keluhctl(args.keluhctl, rules_args(args), mentions_path)
    if err:
        print("%s: %s" % (name, err))
        return None
    by_id = {}
    for i, v in enumerate(verdicts):
        vid = v.get("id")
        if vid is None and i < len(ids):
            vid = ids[i]	# verdicts without ids: assume input order
        by_id[str(vid)] = v

    tp = fp = fn = tn = 0
    missing = 0
    prio_n = prio_ok = prio_near = 0
    fps, fns = [], []
    for gid, row in gold.items():
        v = by_id.get(gid)
        if v is None:
            missing += 1
            continue
        want = row.get("complaint", "0").strip() in ("1", "true", "True")
        got = bool(v.get("complaint"))
        if want and got:
            tp += 1
        elif got:
            fp += 1
            fps.append((gid, v))
        elif want:
            fn += 1
            fns.append((gid, v))
        else:
            tn += 1
        gp = (row.get("priority") or "").strip().lower()
        if gp in PRIOS:
            prio_n += 1
            vp = str(v.get("priority") or "none").lower()
            if vp == gp:
                prio_ok += 1
            if vp in PRIOS and abs(PRIOS.index(vp) - PRIOS.index(gp)) <= 1:
                prio_near += 1

    n = tp + fp + fn + tn
    if n == 0:
        print("%s: no verdict joined the gold labels (%d gold rows, %d verdicts)"
              % (name, len(gold), len(verdicts)))
        return None
    pc, rc, fc = prf(tp, fp, fn)	# complaint class
    pn, rn, fnn = prf(tn, fn, fp)	# not-complaint class
    acc = (tp + tn) / n
    macro = (fc + fnn) / 2
    lang = name.split("_", 1)[0]

    print("== %s (%s)" % (name, lang))
    print("  n=%d  gold complaints=%d (%.1f%%)  predicted=%d%s"
          % (n, tp + fn, 100.0 * (tp + fn) / n, tp + fp,
             "  (%d gold rows had no verdict)" % missing if missing else ""))
    print("  accuracy   %5.1f" % (100 * acc))
    print("  macro-F1   %5.1f" % (100 * macro))
    print("  complaint      P %5.1f  R %5.1f  F1 %5.1f" % (100 * pc, 100 * rc, 100 * fc))
    print("  not complaint  P %5.1f  R %5.1f  F1 %5.1f" % (100 * pn, 100 * rn, 100 * fnn))
    print("  confusion  tp=%d fp=%d fn=%d tn=%d" % (tp, fp, fn, tn))
    if prio_n:
        print("  priority   %5.1f exact, %5.1f within one level (%d gold rows with a priority)"
              % (100.0 * prio_ok / prio_n, 100.0 * prio_near / prio_n, prio_n))
    else:
        print("  priority   (no gold priorities in this set)")

    if args.errors:
        show_errors("false positives (keluh: complaint, gold: not)", fps, texts, args.top)
        rules = collections.Counter()
        for _, v in fps:
            rules.update(rule_ids(v))
        if rules:
            print("  rules behind the false positives:")
            for rid, c in rules.most_common(args.top):
                print("    %4d  %s" % (c, rid))
        show_errors("false negatives (keluh: not, gold: complaint)", fns, texts, args.top)

    print("eval set=%s lang=%s n=%d accuracy=%.1f macro_f1=%.1f priority_agreement=%s"
          % (name, lang, n, 100 * acc, 100 * macro,
             "%.1f" % (100.0 * prio_ok / prio_n) if prio_n else "-"))
    return macro


def show_errors(title, errs, texts, top):
    print("  %s: %d" % (title, len(errs)))
    groups = collections.OrderedDict()
    for gid, v in errs:
        key = " ".join(texts.get(gid, "").lower().split())
        g = groups.setdefault(key, [0, gid, v])
        g[0] += 1
    ranked = sorted(groups.values(), key=lambda g: -g[0])[:top]
    for count, gid, v in ranked:
        rules = ",".join(rule_ids(v)) or "-"
        print("    %3dx %-24s score=%-4s rules=%s" % (count, gid, v.get("score", "?"), rules))
        print("         %s" % short(texts.get(gid, "")))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("keluhctl")
    ap.add_argument("rules", nargs="*", help="rule directories, loaded as one set")
    ap.add_argument("--packs", help="shipped packs of the source tree, e.g. core,city")
    ap.add_argument("--config", help="a keluhd.yaml: its packs, rules dir, disable, override")
    ap.add_argument("--errors", action="store_true",
                    help="list the most frequent false positives/negatives")
    ap.add_argument("--top", type=int, default=10, help="how many errors to list (default 10)")
    args = ap.parse_intermixed_args(argv)

    args.eval_dir = None
    if args.rules and os.path.isdir(args.rules[-1]) and any(
            f.endswith(".dev.mentions.ndjson") for f in os.listdir(args.rules[-1])):
        args.eval_dir = args.rules.pop()
    if args.packs:
        top = os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir)
        args.rules += [os.path.normpath(os.path.join(top, "packs", p.strip()))
                       for p in args.packs.split(",") if p.strip()]
    if bool(args.rules) == bool(args.config):
        ap.error("give rule directories (or --packs), or --config, and not both")
    eval_dir = args.eval_dir or default_eval_dir()
    if not os.path.isdir(eval_dir):
        print("eval: %s not found; skipping the labelled-set evaluation" % eval_dir)
        return 0
    sets = sorted(f for f in os.listdir(eval_dir) if f.endswith(".dev.mentions.ndjson"))
    if not sets:
        print("eval: no *.dev.mentions.ndjson in %s; skipping" % eval_dir)
        return 0
    failed = 0
    for f in sets:
        name = f[:-len(".dev.mentions.ndjson")]
        gold = os.path.join(eval_dir, name + ".dev.gold.csv")
        if not os.path.exists(gold):
            print("%s: no %s; skipped" % (name, os.path.basename(gold)))
            continue
        if evaluate(name, os.path.join(eval_dir, f), gold, args) is None:
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under | head
    sys.exit(main())
