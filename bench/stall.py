#!/usr/bin/env python3
"""How long one request of worst-case mentions holds keluhd's event loop.

Starts a real keluhd (127.0.0.1 only, a temporary spool) on the given rules,
then, while another process polls GET /healthz in a tight loop and keeps
the longest answer time, posts requests of mentions built to be slow for
the regexes of the default packs: an ellipsis-and-link pattern repeated to
the length of a long mention, ending in a word, so the pattern that must
reach the end of the text is tried from every ellipsis and never matches.
The longest /healthz wait is the loop's longest stall.

    stall.py --keluhd PATH --rules DIR [--mentions 130] [--bytes 60000]
             [--posts 3] [--limits 'regex_window: 65536, ...']

--limits writes a 'limits:' block beside a copy of the rules (to compare
the bounds with others). Last line:
mode=stall mentions=N bytes=B posts=P post_max_ms=... healthz_max_ms=...
healthz_p50_ms=... polls=... bound_hits=...
"""

import argparse
import http.client
import json
import multiprocessing
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def poll(port, stop, out):
    """Asks /healthz again and again; sends back every answer time (ms)."""
    times = []
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    while not stop.is_set():
        t0 = time.monotonic()
        try:
            conn.request("GET", "/healthz")
            conn.getresponse().read()
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            continue
        times.append((time.monotonic() - t0) * 1000.0)
    out.put(times)


def worst_text(nbytes):
    unit = "\u2026https://a"  # 12 bytes in UTF-8
    return unit * max(1, (nbytes - 2) // len(unit.encode())) + " x"


def metric_sum(port, name):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", "/metrics")
    body = conn.getresponse().read().decode()
    total = 0.0
    for line in body.splitlines():
        if line.startswith(name):
            total += float(line.rsplit(" ", 1)[1])
    return total


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--keluhd", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--mentions", type=int, default=130, help="mentions per POST (130)")
    ap.add_argument("--bytes", type=int, default=60000, help="bytes per mention (60000)")
    ap.add_argument("--posts", type=int, default=3, help="requests, one after another (3)")
    ap.add_argument("--limits", default="", help="a limits: block for the rules, flow style")
    ap.add_argument("--log", default="", help="keep keluhd's log here")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="keluh-stall.")
    rules = args.rules
    if args.limits:
        rules = os.path.join(tmp, "rules.d")
        shutil.copytree(args.rules, rules)
        with open(os.path.join(rules, "99-limits.yaml"), "w") as f:
            f.write("limits: {%s}\n" % args.limits)
    conf = os.path.join(tmp, "keluhd.yaml")
    with open(conf, "w") as f:
        f.write("rules: %s\nhttp:\n  listen: 127.0.0.1:0\nspool:\n  path: %s/spool.db\n"
                % (os.path.abspath(rules), tmp))
    log = args.log or os.path.join(tmp, "keluhd.log")
    logf = open(log, "w")
    kd = subprocess.Popen([args.keluhd, "-c", conf], stdout=subprocess.DEVNULL, stderr=logf)
    port = None
    try:
        deadline = time.monotonic() + 30
        while port is None and time.monotonic() < deadline:
            m = re.search(r"http: port (\d+)", open(log).read())
            if m:
                port = int(m.group(1))
            elif kd.poll() is not None:
                break
            else:
                time.sleep(0.05)
        if port is None:
            sys.stderr.write("stall: keluhd did not start:\n" + open(log).read()[-2000:])
            return 1

        text = worst_text(args.bytes)
        stop = multiprocessing.Event()
        out = multiprocessing.Queue()
        poller = multiprocessing.Process(target=poll, args=(port, stop, out))
        poller.start()
        time.sleep(0.3)  # the poller's baseline
        post_ms = []
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        for p in range(args.posts):
            # one ordinary complaint as well: a request whose pass writes
            # nothing to the spool is not answered by this keluhd
            body = "".join(json.dumps({"id": "stall-%d-%d" % (p, i), "text": text},
                                      ensure_ascii=False) + "\n"
                           for i in range(args.mentions - 1))
            body += json.dumps({"id": "stall-%d-c" % p,
                                "text": "gak bisa login dari pagi, parah"}) + "\n"
            body = body.encode()
            t0 = time.monotonic()
            conn.request("POST", "/v1/mentions", body,
                         {"Content-Type": "application/x-ndjson"})
            r = conn.getresponse()
            r.read()
            post_ms.append((time.monotonic() - t0) * 1000.0)
            if r.status != 202:
                sys.stderr.write("stall: POST answered %d\n" % r.status)
                return 1
        time.sleep(0.3)
        stop.set()
        times = out.get(timeout=600)
        poller.join()
        bounds = metric_sum(port, "keluh_bound_hits_total")
        print("mode=stall mentions=%d bytes=%d posts=%d post_max_ms=%.1f healthz_max_ms=%.1f "
              "healthz_p50_ms=%.2f polls=%d bound_hits=%d"
              % (args.mentions, len(text.encode()), args.posts, max(post_ms),
                 max(times) if times else -1, statistics.median(times) if times else -1,
                 len(times), bounds))
        return 0
    finally:
        kd.terminate()
        kd.wait()
        logf.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
