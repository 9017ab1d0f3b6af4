#!/usr/bin/env python3
"""Generate a scaled keluh rule set for benchmarks.

Writes N rules (default 2000) as several YAML files into a directory, in
the rule-file format of keluh-rules(5):

  00-scoring.yaml   the scoring: block (thresholds)
  01-lists.yaml     named keyword lists, referenced as "@name"
  10-gen.yaml ...   the rules, RULES_PER_FILE per file

Literals come from a large generated vocabulary: a few hundred plausible
English and Indonesian words (which do occur in gen_corpus.py's texts, so
some rules fire) and thousands of synthetic words, so the automaton holds
many diverse literals. The mix of rule shapes:

  ~68%  keywords (all/any, phrases, prefixes, lists) plus one regex with a
        required literal, e.g. \\b(w1|w2)\\s+(w3|w4)\\b
  ~24%  keywords only (with word*, *part*, phrases, @lists, none:)
  ~4%   regex only, with a required literal
  a handful of regexes with no extractable literal (run on every mention)

The output is deterministic for a given --n and --seed.

    gen_rules.py [--n N] [--seed S] [--out DIR] [--per-file K]
"""

import argparse
import os
import random
import re
import sys

PLAUSIBLE = """
refund charged twice login log sign account password reset error crash crashing
slow down outage broken missing late delivery delivered package parcel order
cancelled cancel scam fraud stolen hacked blocked locked worst terrible awful
useless ridiculous unacceptable disappointed frustrated support service agent
chat ticket email reply response waiting waited hold payment card debited bill
billing fee overcharged subscription plan signal internet wifi network router
app website page checkout tracking driver flight seat baggage luggage hotel room
wrong damaged item replacement exchange return warranty repair technician
complaint complain issue problem bug glitch freeze frozen update version
money balance wallet transfer failed pending stuck declined
aplikasi akun saldo dompet topup transaksi gagal kepotong potong tagihan bayar
refund cair paket resi kurir pengiriman pesanan barang rusak retur dikirim
lemot lambat lelet error eror gangguan bermasalah mati padam listrik air pdam
sinyal jaringan internet wifi provider kuota pulsa paket data
kecewa kesel bete nyesel sebel parah payah keterlaluan penipuan tipu
tolong mohon bantu cepat gercep komplain aduan lapor laporan keluhan
jalan rusak lubang banjir sampah lampu macet parkir angkot ojol driver
pelayanan cs admin mimin respon dibales balas chat bot telpon
blokir terblokir login masuk akses daftar verifikasi otp kode
promo diskon giveaway cashback voucher gratis murah
""".split()

ONSETS = ["", "b", "c", "d", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s",
          "t", "w", "y", "ng", "ny", "br", "kr", "tr", "pl", "st", "sk", "gr",
          "dr", "fl", "ch", "sh", "th", "z", "v", "f"]
VOWELS = ["a", "i", "u", "e", "o", "a", "i", "u", "a", "e", "ai", "au", "io"]
CODAS = ["", "", "", "", "", "n", "ng", "r", "s", "t", "k", "l", "m", "h", "p", "x"]

TEAMS = ["tech", "billing", "logistics", "care", "legal", "safety", "social",
         "network", "payments", "city"]
SCORES = [5, 10, 10, 15, 20, 20, 25, 30, 35, 40, 50, 60]
TAGS = ["outage", "money", "churn", "legal", "safety", "vip", "public", "repeat"]

# Regexes with no literal an automaton could require: they run on every
# mention (the engine reports them as regexes_no_literal).
NO_LITERAL = [
    r"(.)\1{5,}",
    r"\b\d{3,}\s*[a-z]{2}\d+\b",
    r"^[^a-z]{25,}$",
    r"[!?]{4,}",
    r"\b[a-z]+\d{4,}[a-z]+\b",
    r"(\p{So}\s*){4,}",
]


# keluh squeezes repeated letters ("parahhh" -> "parah") on both sides and
# warns about keywords that change that way; keep the vocabulary clear of
# them so a load of the generated set is warning-free.
_DOUBLE = re.compile(r"(.)\1")


def synth_vocab(r, n, avoid):
    words = []
    seen = set(avoid)
    while len(words) < n:
        w = "".join(r.choice(ONSETS) + r.choice(VOWELS) + r.choice(CODAS)
                     for _ in range(r.choice([2, 2, 2, 3, 3])))
        if len(w) < 4 or len(w) > 12 or w in seen or _DOUBLE.search(w):
            continue
        seen.add(w)
        words.append(w)
    return words


class Vocab:
    def __init__(self, r, plausible_frac, nsynth):
        self.r = r
        self.plausible = sorted(w for w in set(PLAUSIBLE) if not _DOUBLE.search(w))
        self.synth = synth_vocab(r, nsynth, self.plausible)
        self.frac = plausible_frac

    def word(self, frac=None):
        if self.r.random() < (self.frac if frac is None else frac):
            return self.r.choice(self.plausible)
        return self.r.choice(self.synth)

    def words(self, k):
        out = []
        while len(out) < k:
            w = self.word()
            if w not in out:
                out.append(w)
        return out

    def keyword(self, frac=None):
        """A keyword pattern: word, phrase, word* or *part*."""
        x = self.r.random()
        if x < 0.62:
            return self.word(frac)
        if x < 0.82:
            return self.word(frac) + " " + self.word(frac)
        if x < 0.96:
            w = self.word(frac)
            return (w[:max(5, len(w) - 2)]) + "*"
        w = self.r.choice(self.synth)
        return "*" + w[1:max(6, len(w) - 1)] + "*"

    def keywords(self, k, frac=None):
        out = []
        while len(out) < k:
            kw = self.keyword(frac)
            if kw not in out:
                out.append(kw)
        return out


def q(s):
    """YAML double-quoted scalar (our strings hold only letters, digits,
    spaces and *)."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sq(s):
    """YAML single-quoted scalar (regexes: backslashes stay as written)."""
    return "'" + s.replace("'", "''") + "'"


def flow(items):
    return "[" + ", ".join(q(x) for x in items) + "]"


def literal_regex(r, v):
    a = v.words(r.choice([1, 2, 2, 3]))
    b = v.words(r.choice([1, 2, 2]))
    g1 = a[0] if len(a) == 1 else "(?:" + "|".join(a) + ")"
    g2 = b[0] if len(b) == 1 else "(?:" + "|".join(b) + ")"
    shape = r.randrange(6)
    if shape == 0:
        return r"\b%s\s+%s\b" % (g1.replace("(?:", "("), g2.replace("(?:", "("))
    if shape == 1:
        return r"\b%s\s+(?:\w+\s+){0,2}%s\b" % (g1, g2)
    if shape == 2:
        return r"\b%s\W*\d{2,}\b" % g1
    if shape == 3:
        return r"\b%s(?:nya|ku|mu)?\b.{0,40}\b%s" % (g1, g2)
    if shape == 4:
        return r"\b%s[-\s]?%s\b" % (g1, g2)
    return r"\b(?:%s)\s+%s\b" % ("|".join(a + b), v.word())


def emit_rule(out, r, v, idx, kind, lists, regex=None):
    # A list that makes a rule fire on its own gets few real words, or most
    # of the corpus would match something; real words go into all: pairs.
    lone = v.frac / 5
    rid = "gen.r%04d" % idx
    out.append("  - id: %s" % rid)
    out.append("    description: Generated rule %d (%s)" % (idx, kind))
    out.append("    team: %s" % r.choice(TEAMS))
    out.append("    score: %d" % r.choice(SCORES))
    if r.random() < 0.3:
        out.append("    tags: [%s]" % ", ".join(sorted(set(r.choice(TAGS) for _ in range(2)))))
    out.append("    when:")
    none = r.random() < 0.3
    if kind == "mixed":
        out.append("      any:")
        out.append("        - regex: %s" % sq(regex or literal_regex(r, v)))
        out.append("        - all:")
        out.append("            - keywords: %s" % flow(v.keywords(r.randrange(2, 7))))
        if r.random() < 0.2 and lists:
            out.append("            - keywords: [%s]" % q("@" + r.choice(lists)))
        else:
            out.append("            - keywords: %s" % flow(v.keywords(r.randrange(2, 6))))
        if r.random() < 0.4:
            out.append("        - keywords: %s" % flow(v.keywords(r.randrange(1, 4), lone)))
    elif kind == "keywords":
        shape = r.randrange(3)
        if shape == 0:
            out.append("      keywords: %s" % flow(v.keywords(r.randrange(3, 12), lone)))
        elif shape == 1:
            out.append("      all:")
            out.append("        - keywords: %s" % flow(v.keywords(r.randrange(2, 8))))
            if lists and r.random() < 0.5:
                out.append("        - keywords: [%s]" % q("@" + r.choice(lists)))
            else:
                out.append("        - keywords: %s" % flow(v.keywords(r.randrange(2, 8))))
        else:
            out.append("      any:")
            for _ in range(r.randrange(2, 4)):
                out.append("        - keywords: %s" % flow(v.keywords(r.randrange(1, 6), lone)))
    elif kind == "regex":
        out.append("      regex: %s" % sq(regex or literal_regex(r, v)))
        none = False
    if none:
        out.append("      none:")
        out.append("        - keywords: %s" % flow(v.keywords(r.randrange(1, 4))))
    out.append("")


def big_list(out, k):
    """K distinct keywords, every one given twice (a list and a rule's own
    list that repeats it), so loading does K duplicate checks of each kind."""
    os.makedirs(out, exist_ok=True)
    consonants, vowels = "bcdfghjklmnpqrstvwxz", "aeiou"

    def word(i):
        # consonant-vowel pairs: no letter three times in a row, which
        # folding would squeeze into a copy of another keyword
        s = "kw"
        i += 100 * 100
        while i:
            i, d = divmod(i, 100)
            s += consonants[d % 20] + vowels[d // 20]
        return s

    words = [word(i) for i in range(k)]
    with open(os.path.join(out, "00-big.yaml"), "w", encoding="utf-8", newline="\n") as f:
        f.write("# generated by bench/gen_rules.py --big-list; do not edit\n")
        f.write("lists:\n  big:\n")
        for w in words:
            f.write("    - %s\n" % w)
        f.write("rules:\n  - id: big.list\n    score: 10\n    when:\n      keywords:\n")
        f.write("        - \"@big\"\n")
        for w in words:
            f.write("        - %s\n" % w)
    print("gen_rules: %d keywords in one list, into %s" % (k, out), file=sys.stderr)
    return 0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=2000, help="number of rules (default 2000)")
    ap.add_argument("--seed", type=int, default=5150, help="random seed (default 5150)")
    ap.add_argument("--out", default="rules-gen", help="output directory (created)")
    ap.add_argument("--per-file", type=int, default=250, help="rules per file (default 250)")
    ap.add_argument("--plausible", type=float, default=0.2,
                    help="share of literals drawn from real words (default 0.2)")
    ap.add_argument("--lists", type=int, default=40, help="named lists (default 40)")
    ap.add_argument("--big-list", type=int, default=0, metavar="K",
                    help="instead: one file with a list of K distinct keywords, used by one "
                    "rule and written out again in another (the load-time figure)")
    args = ap.parse_args(argv)
    if args.big_list > 0:
        return big_list(args.out, args.big_list)

    r = random.Random(args.seed)
    v = Vocab(r, args.plausible, max(2000, args.n * 4))
    os.makedirs(args.out, exist_ok=True)
    # Remove our own previous output so a smaller --n leaves no stale files.
    for name in os.listdir(args.out):
        if name.endswith(".yaml") and (name[:2].isdigit()):
            os.unlink(os.path.join(args.out, name))

    def write(name, lines):
        with open(os.path.join(args.out, name), "w", encoding="utf-8", newline="\n") as f:
            f.write("\n".join(lines).rstrip("\n") + "\n")

    write("00-scoring.yaml", [
        "# generated by bench/gen_rules.py; do not edit",
        "scoring:",
        "  thresholds: {critical: 80, high: 50, normal: 25, low: 10}",
    ])
    lists = ["genlist%02d" % i for i in range(args.lists)]
    lines = ["# generated by bench/gen_rules.py; do not edit", "lists:"]
    for name in lists:
        lines.append("  %s: %s" % (name, flow(v.words(r.randrange(5, 16)))))
    write("01-lists.yaml", lines)

    # Which rules carry a literal-free regex: a handful, spread out.
    nolit = {}
    if args.n >= len(NO_LITERAL) * 10:
        step = args.n // len(NO_LITERAL)
        for i, rx in enumerate(NO_LITERAL):
            nolit[i * step + step // 2] = rx

    counts = {"mixed": 0, "keywords": 0, "regex": 0, "no_literal": 0}
    fileno = 0
    for start in range(0, args.n, args.per_file):
        out = ["# generated by bench/gen_rules.py; do not edit", "rules:"]
        for idx in range(start, min(args.n, start + args.per_file)):
            if idx in nolit:
                kind = "regex" if r.random() < 0.5 else "mixed"
                emit_rule(out, r, v, idx, kind, lists, regex=nolit[idx])
                counts["no_literal"] += 1
                continue
            x = r.random()
            kind = "mixed" if x < 0.70 else ("keywords" if x < 0.955 else "regex")
            counts[kind] += 1
            emit_rule(out, r, v, idx, kind, lists)
        write("%02d-gen.yaml" % (10 + fileno), out)
        fileno += 1

    print("gen_rules: %d rules in %d files (%d keyword+regex, %d keyword-only, "
          "%d regex-only, %d without a literal), %d lists, into %s"
          % (args.n, fileno, counts["mixed"], counts["keywords"], counts["regex"],
             counts["no_literal"], len(lists), args.out), file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
