#!/usr/bin/env python3
"""A small stand-in for Reddit's OAuth API, for keluh's reddit source tests; 127.0.0.1 only.

  reddit_server.py --port-file F --log L --script S.json

POST /api/v1/access_token issues tokens ("tok-1", "tok-2"...) when HTTP
Basic auth carries a client in the script's "clients" ({"id": "secret"})
and, for grant_type=password, the user in "users" ({"name": "password"});
a bad client gets 401, a bad password 200 {"error": "invalid_grant"}. The
answer is {"access_token", "token_type": "bearer", "expires_in", "scope"};
expires_in is 86400 unless the script's "expires_in" ({"id": seconds})
says otherwise for the client.

Any other path needs "Authorization: bearer <a token issued and not
revoked>", else 401. S.json's "paths" maps a path to a list of answers;
each request to it takes the next one and the last one repeats. The
script is read again when the file changes (the counters then start
over; issued tokens stay). An answer:

  {"status": 200, "headers": {...}, "body": "text"}
  {"revoke": true}     revoke every token issued so far, then answer 401

Every request is logged as one JSON line: time, method, path, query,
headers, the token it carried and whether it was good, the form of a
token request, and the status answered. SIGTERM stops the server.
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
from urllib.parse import parse_qs, urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--script", required=True)
args = ap.parse_args()

lock = threading.Lock()
logf = open(args.log, "a", buffering=1)
state = {"mtime": None, "script": {}, "next": {}, "tokens": set(), "issued": 0}


def script():
    st = os.stat(args.script)
    if st.st_mtime_ns != state["mtime"]:
        with open(args.script) as f:
            state["script"] = json.load(f)
        state["mtime"] = st.st_mtime_ns
        state["next"] = {}
    return state["script"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, status, body, headers=None):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()
        return status

    def token(self, rec):
        n = int(self.headers.get("Content-Length") or 0)
        form = {k: v[0] for k, v in parse_qs(self.rfile.read(n).decode()).items()}
        rec["form"] = {k: v for k, v in form.items() if k != "password"}
        rec["password_ok"] = None
        auth = self.headers.get("Authorization", "")
        client = None
        if auth.lower().startswith("basic "):
            try:
                client = base64.b64decode(auth[6:]).decode()
            except ValueError:
                client = None
        with lock:
            s = script()
            ok = client is not None and ":" in client and \
                s.get("clients", {}).get(client.split(":", 1)[0]) == client.split(":", 1)[1]
            rec["client"] = client.split(":", 1)[0] if client else None
            rec["client_ok"] = ok
            if not ok:
                return self.reply(401, json.dumps({"message": "Unauthorized", "error": 401}),
                                  {"Content-Type": "application/json"})
            if form.get("grant_type") == "password":
                good = s.get("users", {}).get(form.get("username")) == form.get("password")
                rec["password_ok"] = good
                if not good:
                    return self.reply(200, json.dumps({"error": "invalid_grant"}),
                                      {"Content-Type": "application/json"})
            elif form.get("grant_type") != "client_credentials":
                return self.reply(200, json.dumps({"error": "unsupported_grant_type"}),
                                  {"Content-Type": "application/json"})
            state["issued"] += 1
            tok = "tok-%d" % state["issued"]
            state["tokens"].add(tok)
            rec["issued"] = tok
        exp = s.get("expires_in", {}).get(rec["client"], 86400)
        return self.reply(200, json.dumps({"access_token": tok, "token_type": "bearer",
                                           "expires_in": exp,
                                           "scope": "*"}),
                          {"Content-Type": "application/json"})

    def listing(self, rec, path):
        auth = self.headers.get("Authorization", "")
        tok = auth[7:] if auth.lower().startswith("bearer ") else None
        rec["token"] = tok
        with lock:
            rec["token_ok"] = tok in state["tokens"]
            if not rec["token_ok"]:
                a = {"status": 401, "body": json.dumps({"message": "Unauthorized", "error": 401})}
            else:
                answers = script().get("paths", {}).get(path)
                if not answers:
                    a = {"status": 404, "body": "no such path"}
                else:
                    i = state["next"].get(path, 0)
                    state["next"][path] = i + 1
                    a = answers[min(i, len(answers) - 1)]
                    rec["answer"] = min(i, len(answers) - 1)
                    if a.get("revoke"):
                        state["tokens"].clear()
                        a = {"status": 401,
                             "body": json.dumps({"message": "Unauthorized", "error": 401})}
        return self.reply(a.get("status", 200), a.get("body", ""), a.get("headers"))

    def handle_one(self, method):
        u = urlsplit(self.path)
        rec = {"t": time.time(), "method": method, "path": u.path, "query": u.query,
               "headers": {k.lower(): v for k, v in self.headers.items() if k.lower() != "authorization"}}
        if method == "POST" and u.path == "/api/v1/access_token":
            rec["status"] = self.token(rec)
        else:
            rec["status"] = self.listing(rec, u.path)
        with lock:
            logf.write(json.dumps(rec) + "\n")

    def do_GET(self):
        try:
            self.handle_one("GET")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def do_POST(self):
        try:
            self.handle_one("POST")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


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
