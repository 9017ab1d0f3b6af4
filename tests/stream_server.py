#!/usr/bin/env python3
"""A scriptable HTTP stream server for keluh's source tests, on 127.0.0.1 only.

  stream_server.py --port-file F --log L --script S.json

S.json maps a path to a list of answers; each request to that path takes
the next one, and the last one repeats. The script is read again when the
file changes (the answer counters then start over). An answer:

  {"status": 200, "headers": {"Content-Type": "text/event-stream"},
   "body": "text", or "body_b64": "...",   the bytes to send
   "cuts": [5, 17],        send the body in pieces cut at these offsets,
   "gap": 0.05,            seconds between pieces (each is flushed),
   "after": "close"        then close (default), or "stall" (send nothing,
                           keep the connection until the client goes), or
                           "hold" (keep-alives every 0.5 s: ": ka" comments
                           for text/event-stream, else empty lines; "ka" and
                           "ka_every" set the bytes and the seconds between),
   "cut_at": 40,           (with a Content-Length) send only this many bytes
                           of the body, then do as "after" says: close in
                           the middle of the answer, or "stall",
   "hang": true,           send nothing at all, not even a status line, and
                           keep the connection until the client goes,
   "auth": "Bearer t2",    a request whose Authorization is not this gets
                           401 with "auth_body" (JSON) instead,
   "etag": "v1",           answer 304 when If-None-Match matches
   "last_modified": "Mon, 23 Nov 2026 05:00:00 GMT"}
                           send it as Last-Modified; answer 304 when
                           If-Modified-Since is that date (and no
                           If-None-Match asks otherwise)
   "resume": [["1", "id: 1\ndata: ...\n\n"], ...]
                           instead of a body: the events after the one
                           whose ID the request's Last-Event-ID names (all
                           of them without one), each cut apart ("gap"
                           between them), as a platform resumes a stream

Bodies of status 200 for SSE/NDJSON go out chunked; others get a
Content-Length. Every request is logged as one JSON line with its path,
query, headers, time and the status answered (0 for "hang"; "fault" says
"hang" or "cut"). SIGTERM stops the server.
"""
import argparse
import base64
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--script", required=True)
args = ap.parse_args()

lock = threading.Lock()
logf = open(args.log, "a", buffering=1)
state = {"mtime": None, "script": {}, "next": {}}


def answer_for(path):
    with lock:
        st = os.stat(args.script)
        if st.st_mtime_ns != state["mtime"]:
            with open(args.script) as f:
                state["script"] = json.load(f)
            state["mtime"] = st.st_mtime_ns
            state["next"] = {}
        answers = state["script"].get(path)
        if not answers:
            return {"status": 404, "body": "no such path"}
        i = state["next"].get(path, 0)
        state["next"][path] = i + 1
        return answers[min(i, len(answers) - 1)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def wait_for_client_to_go(self):
        # nothing more, connection open, until the client gives up
        self.connection.settimeout(600)
        try:
            while self.connection.recv(1):
                pass
        except OSError:
            pass

    def handle_one(self):
        u = urlsplit(self.path)
        t = time.time()
        a = answer_for(u.path)
        status = a.get("status", 200)
        body = base64.b64decode(a["body_b64"]) if "body_b64" in a else a.get("body", "").encode()
        if "resume" in a:
            ids = [e[0] for e in a["resume"]]
            last = self.headers.get("Last-Event-ID")
            rest = a["resume"][ids.index(last) + 1:] if last in ids else a["resume"]
            body = "".join(e[1] for e in rest).encode()
            a = dict(a, cuts=[len("".join(e[1] for e in rest[:i + 1]).encode())
                              for i in range(len(rest))])
        if "auth" in a and self.headers.get("Authorization") != a["auth"]:
            a = {"status": 401, "headers": {"Content-Type": "application/json",
                                            "WWW-Authenticate": 'Bearer error="invalid_token"'},
                 "body": a.get("auth_body", '{"error":"invalid_token"}'), "stream": False}
            status, body = 401, a["body"].encode()
        inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
        if status == 200 and ((a.get("etag") and inm == a["etag"]) or
                              (a.get("last_modified") and inm is None and
                               ims == a["last_modified"])):
            status = 304
        fault = "hang" if a.get("hang") else "cut" if "cut_at" in a else None
        with lock:
            logf.write(json.dumps({"t": t, "path": u.path, "query": u.query,
                                   "status": 0 if fault == "hang" else status, "fault": fault,
                                   "headers": {k.lower(): v for k, v in self.headers.items()}}) + "\n")
        if fault == "hang":
            self.wait_for_client_to_go()
            self.close_connection = True
            return
        if status == 304:
            self.send_response(304)
            if a.get("etag"):
                self.send_header("ETag", a["etag"])
            if a.get("last_modified"):
                self.send_header("Last-Modified", a["last_modified"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        streaming = (status == 200 and a.get("stream", True) and "etag" not in a and
                     "last_modified" not in a)
        self.send_response(status)
        for k, v in a.get("headers", {}).items():
            self.send_header(k, v)
        if a.get("etag"):
            self.send_header("ETag", a["etag"])
        if a.get("last_modified"):
            self.send_header("Last-Modified", a["last_modified"])
        if not streaming or fault == "cut":
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body[:a["cut_at"]] if fault == "cut" else body)
            self.wfile.flush()
            if fault == "cut":
                if a.get("after") == "stall":
                    self.wait_for_client_to_go()
                self.close_connection = True
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()
        cuts = sorted(set([c for c in a.get("cuts", []) if 0 < c < len(body)]))
        pieces, at = [], 0
        for c in cuts + [len(body)]:
            pieces.append(body[at:c])
            at = c
        for p in pieces:
            if p:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
                self.wfile.flush()
            time.sleep(a.get("gap", 0.02))
        after = a.get("after", "close")
        if after == "stall":
            self.wait_for_client_to_go()
        elif after == "hold":
            end = time.time() + a.get("hold_seconds", 600)
            # SSE keeps alive with a comment, NDJSON with an empty line
            ka = b": ka\n" if "event-stream" in a.get("headers", {}).get("Content-Type", "") else b"\n"
            ka = a["ka"].encode() if "ka" in a else ka
            while time.time() < end:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(ka), ka))
                self.wfile.flush()
                time.sleep(a.get("ka_every", 0.5))
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        else:
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()
        self.close_connection = True

    def do_GET(self):
        try:
            self.handle_one()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        self.do_GET()


srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
srv.daemon_threads = True
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
try:
    srv.serve_forever()
except SystemExit:
    pass
