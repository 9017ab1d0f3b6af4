#!/usr/bin/env python3
"""The layering of src/ (see src/LAYERS), as TAP lines on stdout.

layers.py SRCDIR [BUILDDIR]: checks every include of every file under
SRCDIR; with BUILDDIR, first shows itself a small tree with each kind of
fault (it must find them all), then also reads the objects' symbols with nm to find
circles between objects, and runs tests/engine_link (the engine's archive
linked alone) on the core pack.
"""
import os
import re
import subprocess
import sys

n = 0
failed = 0


def tap(good, desc, detail=""):
    global n, failed
    n += 1
    if not good:
        failed += 1
    print("%s %d - %s" % ("ok" if good else "not ok", n, desc))
    for line in detail.splitlines()[:40] if not good else []:
        print("# " + line)


def read_layers(path):
    rank = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) >= 2:
                rank[line[0]] = int(line[1])
    return rank


def cycles(graph):
    """Strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def module(path):
    """sources/source_x.c -> sources/source_x; engine/rules_int.h -> engine/rules"""
    stem = os.path.splitext(path)[0]
    return stem[:-4] if stem.endswith("_int") else stem


def check_includes(src, rank):
    bad_place, bad_form, upward, private = [], [], [], []
    graph = {}
    files = []
    for d, _, names in os.walk(src):
        for name in names:
            if name.endswith((".c", ".h")):
                files.append(os.path.relpath(os.path.join(d, name), src))
    for rel in sorted(files):
        folder = os.path.dirname(rel)
        if folder not in rank:
            bad_place.append(rel)
            continue
        mod = module(rel)
        graph.setdefault(mod, set())
        with open(os.path.join(src, rel), errors="replace") as f:
            for lineno, line in enumerate(f, 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                inc = m.group(1)
                where = "%s:%d" % (rel, lineno)
                if inc == "config.h":
                    continue
                if "/" not in inc or not os.path.exists(os.path.join(src, inc)):
                    bad_form.append("%s: \"%s\" is not FOLDER/NAME.h under src/" % (where, inc))
                    continue
                ifolder = os.path.dirname(inc)
                if ifolder not in rank:
                    bad_form.append("%s: %s is in no layer" % (where, inc))
                    continue
                if ifolder != folder and rank[ifolder] >= rank[folder]:
                    upward.append("%s: %s (rank %d) includes %s (rank %d)" %
                                  (where, folder, rank[folder], ifolder, rank[ifolder]))
                if inc.endswith("_int.h") and ifolder != folder:
                    private.append("%s: %s is private to %s/" % (where, inc, ifolder))
                if module(inc) != mod:
                    graph[mod].add(module(inc))
    tap(not bad_place, "every file under src/ is in a folder src/LAYERS names",
        "\n".join(bad_place))
    tap(not bad_form, "every include of a keluh header names its folder",
        "\n".join(bad_form))
    tap(not upward, "no file includes a header of its own rank or above (src/LAYERS)",
        "\n".join(upward))
    tap(not private, "a *_int.h header is included only inside its folder",
        "\n".join(private))
    circ = cycles(graph)
    tap(not circ, "no circle between modules by includes",
        "\n".join("a circle among: " + ", ".join(c) for c in circ))
    return len(files)


def check_objects(objdir):
    """A circle of symbol references among the objects of one library."""
    objs = []
    for d, _, names in os.walk(os.path.join(objdir, "src")):
        for name in names:
            if name.endswith(".o"):
                objs.append(os.path.join(d, name))
    if not objs:
        print("ok %d - no circle between objects # SKIP no objects in %s" % (n + 1, objdir))
        return
    defined, undefined = {}, {}
    for o in objs:
        out = subprocess.run(["nm", "-g", o], capture_output=True, text=True).stdout
        short = os.path.relpath(o, objdir)
        undefined[short] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == "U":
                undefined[short].add(parts[1])
            elif len(parts) == 3 and parts[1] in "TDBRVW":
                defined[parts[2]] = short
    graph = {o: {defined[s] for s in u if s in defined and defined[s] != o}
             for o, u in undefined.items()}
    circ = cycles(graph)
    tap(not circ, "no circle between objects (by the symbols they use)",
        "\n".join("a circle among: " + ", ".join(c) for c in circ))


def check_engine_link(prog, rules):
    """engine_link, linked with the engine's archive alone, classifies."""
    if not os.access(prog, os.X_OK):
        tap(False, "tests/engine_link is built", prog + " is missing")
        return
    run = subprocess.run([prog, rules, "saya tidak bisa login sejak tadi pagi"],
                         capture_output=True, text=True)
    tap(run.returncode == 0 and '"complaint":true' in run.stdout,
        "libkeluh-engine.a alone loads the core pack and finds a complaint",
        run.stdout + run.stderr)


def self_test():
    """The checker is first shown a small tree with each kind of fault."""
    import tempfile
    files = {
        "LAYERS": "low 0\nhigh 1\n",
        "low/a.h": '#include "high/b.h"\n',
        "high/b.h": '#include "low/a.h"\n#include "low/c_int.h"\n#include "d.h"\n',
        "low/c_int.h": "",
        "low/e.h": '#include "low/f.h"\n',
        "low/f.h": '#include "low/e.h"\n',
    }
    want = ["low/a.h:1: low (rank 0) includes high (rank 1)",
            "high/b.h:2: low/c_int.h is private to low/",
            'high/b.h:3: "d.h" is not FOLDER/NAME.h under src/',
            "a circle among: low/e, low/f"]
    with tempfile.TemporaryDirectory() as t:
        for name, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(t, name)), exist_ok=True)
            with open(os.path.join(t, name), "w") as f:
                f.write(text)
        run = subprocess.run([sys.executable, os.path.abspath(__file__), t],
                             capture_output=True, text=True)
    tap(run.returncode == 1, "the checker fails on a tree with faults",
        "exit %d" % run.returncode)
    for w in want:
        tap(w in run.stdout, "the checker names: " + w, run.stdout)


def main():
    src = sys.argv[1]
    if len(sys.argv) > 2:
        self_test()
    rank = read_layers(os.path.join(src, "LAYERS"))
    tap(len(rank) >= 5, "src/LAYERS names the layers", "found %d" % len(rank))
    check_includes(src, rank)
    if len(sys.argv) > 2:
        check_objects(sys.argv[2])
        check_engine_link(os.path.join(sys.argv[2], "tests", "engine_link"),
                          os.path.join(src, "..", "packs", "core"))
    print("1..%d" % n)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
