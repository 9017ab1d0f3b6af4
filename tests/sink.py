#!/usr/bin/env python3
"""A webhook sink for keluh's tests, on 127.0.0.1 only.

It records every request as one JSON line (time, path, headers, body) and
answers according to a plan given on the command line:

  sink.py --port-file F --log L [--plan 500,500,200] [--default 200]
          [--retry-after 2] [--hang-seconds 5] [--fail-while PATH]
          [--fail-status 500] [--port N]

Plan items are used in order, one per request, then --default:
  200 / 204 / 400 / 500 ...   answer with that status
  429                         answer 429 with Retry-After: --retry-after
  429:VALUE                   answer 429 with Retry-After: VALUE as it is
                              ("date+N": an HTTP-date N seconds ahead)
  hang                        keep the request open for --hang-seconds, then 200
While the file --fail-while names exists, every request gets --fail-status
instead (the plan is not used up); removing the file ends the outage.
The port is written to F once listening (port 0 = any free port).
SIGTERM stops it.
"""
import argparse
import email.utils
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--plan", default="")
ap.add_argument("--default", default="200")
ap.add_argument("--retry-after", default="2")
ap.add_argument("--hang-seconds", type=float, default=5.0)
ap.add_argument("--body", default="ok")
ap.add_argument("--fail-while", default=None)
ap.add_argument("--fail-status", default="500")
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()

plan = [p for p in args.plan.split(",") if p]
lock = threading.Lock()
logf = open(args.log, "a", buffering=1)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        with lock:
            if args.fail_while and os.path.exists(args.fail_while):
                step = args.fail_status
            else:
                step = plan.pop(0) if plan else args.default
            rec = {
                "t": time.time(),
                "path": self.path,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": body.decode("utf-8", "replace"),
                "answer": step,
            }
            logf.write(json.dumps(rec) + "\n")
        if step == "hang":
            time.sleep(args.hang_seconds)
            step = "200"
        retry_after = args.retry_after
        if step.startswith("429:"):
            step, retry_after = "429", step[4:]
            if retry_after.startswith("date+"):
                retry_after = email.utils.formatdate(time.time() + float(retry_after[5:]),
                                                     usegmt=True)
        status = int(step)
        out = args.body.encode()
        self.send_response(status)
        if status == 429:
            self.send_header("Retry-After", retry_after)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except OSError:
            pass


srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
srv.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
signal.signal(signal.SIGTERM, lambda *a: (srv.shutdown(), sys.exit(0)) if False else os._exit(0))
srv.serve_forever()
