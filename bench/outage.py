#!/usr/bin/env python3
"""Delivery through receiver faults, keluhd beside Prometheus Alertmanager.

  outage.py [--system keluh|alertmanager|both] [--scenario storm|outage|kill|all]
            [--keluhd PATH] [--alertmanager PATH] [--count N]

Each run starts the system on 127.0.0.1 with a fresh temporary spool (or
storage), a webhook receiver pointing at a fake sink in this process, and
posts --count events that each make one alert: to keluhd as complaints
(grouping by mention), to Alertmanager as alerts through POST /api/v2/alerts
(group_by ['...'], so each alert is its own notification). Then the sink
goes through a fault:

  storm   for BENCH_STORM_SECONDS (20) the sink answers half of the requests
          500 or 429 (Retry-After: 1), then all 200;
  outage  the sink answers 500 for BENCH_FAIL_SECONDS (5), then is down
          (connection refused) for BENCH_OUTAGE_SECONDS (60), then 200;
  kill    the outage, with the system killed (SIGKILL) halfway through the
          down time and started again on the same spool (or storage).

The sink's recovery is the moment it answers 200 again. Printed per system
and scenario: delivered (distinct events the sink answered 2xx for), lost
(events never delivered within BENCH_WAIT_SECONDS (180) of the recovery),
duplicated (2xx deliveries of an event beyond the first) and the seconds
from the recovery to the last first delivery. For keluhd the target is
pending / rate + 5 s, printed beside it.

Only 127.0.0.1 is ever used. Every process started here is stopped here.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

KELUH_RATE = 50        # the receiver's rate limit in the keluhd config (per second)
KELUH_CONCURRENCY = 4


def env_float(name, dflt):
    v = os.environ.get(name)
    return float(v) if v else dflt


STORM_S = env_float("BENCH_STORM_SECONDS", 20)
FAIL_S = env_float("BENCH_FAIL_SECONDS", 5)
OUTAGE_S = env_float("BENCH_OUTAGE_SECONDS", 60)
WAIT_S = env_float("BENCH_WAIT_SECONDS", 180)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Sink:
    """A webhook sink whose behaviour the run switches: ok, fail, storm, down."""

    def __init__(self):
        self.port = free_port()
        self.mode = "fail"
        self.lock = threading.Lock()
        self.records = []   # (time, event ids, status)
        self.srv = None
        self.rng = random.Random(1)

    def ids(self, body):
        try:
            j = json.loads(body)
        except ValueError:
            return []
        if j.get("type") == "keluh.alert":
            return [m.get("id") for m in j["alert"].get("mentions", [])]
        return [a.get("labels", {}).get("event") for a in j.get("alerts", [])
                if a.get("status") == "firing"]

    def answer(self):
        if self.mode == "ok":
            return 200
        if self.mode == "fail":
            return 500
        r = self.rng.random()
        return 200 if r < 0.5 else 500 if r < 0.75 else 429

    def handler(self):
        sink = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with sink.lock:
                    status = sink.answer()
                    sink.records.append((time.time(), sink.ids(body), status))
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
        return H

    def up(self, mode):
        self.mode = mode
        if self.srv is None:
            ThreadingHTTPServer.allow_reuse_address = True
            self.srv = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler())
            self.srv.daemon_threads = True
            threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def down(self):
        if self.srv is not None:
            self.srv.shutdown()
            self.srv.server_close()
            self.srv = None

    def delivered(self):
        """{event id: [times answered 2xx]}"""
        out = {}
        with self.lock:
            for t, ids, status in self.records:
                if 200 <= status < 300:
                    for i in ids:
                        out.setdefault(i, []).append(t)
        return out


def wait_port_file_or_log(pred, limit, what):
    end = time.time() + limit
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for " + what)


class Keluh:
    name = "keluhd"

    def __init__(self, binary, srcdir, tmp, sink_port):
        self.binary, self.tmp = binary, tmp
        self.conf = os.path.join(tmp, "keluhd.yaml")
        self.log = os.path.join(tmp, "keluhd.log")
        self.proc = None
        with open(self.conf, "w") as f:
            f.write("""rules: %s/packs/core
http:
  listen: 127.0.0.1:0
spool:
  path: %s/spool.db
receivers:
  - {name: hook, type: webhook, url: "http://127.0.0.1:%d/hook", rate: %d/s,
     max_concurrency: %d, timeout: 5s}
routes:
  - {receivers: [hook]}
grouping:
  by: [mention]
  first_alert_after: {critical: 0s, high: 0s, normal: 0s, low: 0s}
duplicates:
  same_text: 0
""" % (srcdir, tmp, sink_port, KELUH_RATE, KELUH_CONCURRENCY))

    def start(self):
        logf = open(self.log, "a")
        start = os.path.getsize(self.log)
        self.proc = subprocess.Popen([self.binary, "-c", self.conf], stdout=subprocess.DEVNULL,
                                     stderr=logf)
        logf.close()

        def port():
            with open(self.log) as f:
                f.seek(start)
                m = re.search(r"http: port (\d+)", f.read())
            return m and int(m.group(1))
        self.port = wait_port_file_or_log(port, 20, "keluhd to listen")

    def post(self, n):
        body = "".join(json.dumps({"id": "e%d" % i,
                                   "text": "gak bisa login dari pagi, sudah %d kali coba" % i})
                       + "\n" for i in range(n))
        req = urllib.request.Request("http://127.0.0.1:%d/v1/mentions" % self.port,
                                     data=body.encode(), method="POST",
                                     headers={"Content-Type": "application/x-ndjson"})
        with urllib.request.urlopen(req, timeout=30) as r:
            got = json.loads(r.read())
        if r.status != 202 or got.get("complaints") != n:
            raise RuntimeError("keluhd took %r of %d complaints" % (got, n))

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


class AM:
    name = "alertmanager"

    def __init__(self, binary, srcdir, tmp, sink_port):
        self.binary, self.tmp = binary, tmp
        self.conf = os.path.join(tmp, "am.yml")
        self.log = os.path.join(tmp, "am.log")
        self.port = free_port()
        self.proc = None
        with open(self.conf, "w") as f:
            f.write("""route:
  receiver: hook
  group_by: ['...']
  group_wait: 0s
  group_interval: 10s
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:%d/hook
        send_resolved: false
""" % sink_port)

    def start(self):
        logf = open(self.log, "a")
        self.proc = subprocess.Popen([
            self.binary, "--config.file=" + self.conf,
            "--storage.path=" + os.path.join(self.tmp, "data"),
            "--web.listen-address=127.0.0.1:%d" % self.port,
            "--cluster.listen-address=", "--log.level=warn"],
            stdout=subprocess.DEVNULL, stderr=logf)
        logf.close()

        def ready():
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/-/ready" % self.port,
                                            timeout=1) as r:
                    return r.status == 200
            except OSError:
                return False
        wait_port_file_or_log(ready, 30, "alertmanager to be ready")

    def post(self, n):
        now = time.time()
        iso = lambda t: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
        alerts = [{"labels": {"alertname": "complaint", "event": "e%d" % i},
                   "annotations": {"text": "gak bisa login dari pagi, sudah %d kali coba" % i},
                   "startsAt": iso(now), "endsAt": iso(now + 4 * 3600)} for i in range(n)]
        req = urllib.request.Request("http://127.0.0.1:%d/api/v2/alerts" % self.port,
                                     data=json.dumps(alerts).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            if r.status != 200:
                raise RuntimeError("alertmanager answered %d" % r.status)

    kill = Keluh.kill
    stop = Keluh.stop


def run(system_cls, binary, srcdir, scenario, count):
    tmp = tempfile.mkdtemp(prefix="keluh-outage-")
    sink = Sink()
    sysm = system_cls(binary, srcdir, tmp, sink.port)
    try:
        sink.up("storm" if scenario == "storm" else "fail")
        sysm.start()
        sysm.post(count)
        if scenario == "storm":
            time.sleep(STORM_S)
        else:
            time.sleep(FAIL_S)
            sink.down()
            if scenario == "kill":
                time.sleep(OUTAGE_S / 2)
                sysm.kill()
                sysm.start()
                time.sleep(OUTAGE_S / 2)
            else:
                time.sleep(OUTAGE_S)
        recovery = time.time()
        sink.up("ok")
        end = recovery + WAIT_S
        while time.time() < end and len(sink.delivered()) < count:
            time.sleep(0.1)
        # a moment more, so that late copies are counted
        time.sleep(2)
        got = sink.delivered()
        firsts = [min(ts) for ts in got.values()]
        dup = sum(len(ts) - 1 for ts in got.values())
        last = max(firsts) - recovery if firsts else float("nan")
        return {"delivered": len(got), "lost": count - len(got), "duplicated": dup,
                "seconds": last,
                "pending": count - sum(1 for t in firsts if t < recovery)}
    finally:
        sysm.stop()
        sink.down()
        if os.environ.get("BENCH_KEEP_TMP"):
            print("# kept %s" % tmp, file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--system", default="both", choices=["keluh", "alertmanager", "both"])
    ap.add_argument("--scenario", default="all", choices=["storm", "outage", "kill", "all"])
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--srcdir", default=os.path.dirname(here))
    ap.add_argument("--keluhd", default=os.environ.get("KELUHD", "./keluhd"))
    ap.add_argument("--alertmanager", default=shutil.which("prometheus-alertmanager") or
                    shutil.which("alertmanager") or "prometheus-alertmanager")
    ap.add_argument("--count", type=int, default=500)
    a = ap.parse_args()
    systems = []
    if a.system in ("keluh", "both"):
        systems.append((Keluh, a.keluhd))
    if a.system in ("alertmanager", "both"):
        if not shutil.which(a.alertmanager):
            print("# SKIP alertmanager: %s not found (apt-get install "
                  "prometheus-alertmanager)" % a.alertmanager)
        else:
            systems.append((AM, a.alertmanager))
    scenarios = ["storm", "outage", "kill"] if a.scenario == "all" else [a.scenario]
    print("# %d events; storm %gs, fail %gs then down %gs; wait up to %gs after recovery"
          % (a.count, STORM_S, FAIL_S, OUTAGE_S, WAIT_S))
    print("%-8s %-13s %9s %5s %10s %8s  %s" % ("scenario", "system", "delivered", "lost",
                                              "duplicated", "seconds", "target"))
    for sc in scenarios:
        for cls, binary in systems:
            r = run(cls, binary, a.srcdir, sc, a.count)
            target = ""
            if cls is Keluh:
                t = r["pending"] / KELUH_RATE + 5
                target = "<= %.1f s (%d pending / %d/s + 5 s): %s" % (
                    t, r["pending"], KELUH_RATE,
                    "ok" if r["lost"] == 0 and r["seconds"] <= t else "MISS")
            print("%-8s %-13s %9d %5d %10d %8.1f  %s" % (sc, cls.name, r["delivered"], r["lost"],
                                                         r["duplicated"], r["seconds"], target))
            sys.stdout.flush()


if __name__ == "__main__":
    main()
