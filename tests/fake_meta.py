#!/usr/bin/env python3
"""Meta's side of keluh's meta source, for its tests; 127.0.0.1 only. Two uses:

  fake_meta.py --port-file F --log L --state S.json
      A stand-in for the Graph API (https://graph.facebook.com/<version>):

      GET /<version>/<ig-user-id>?fields=mentioned_comment.comment_id(<id>){...}
      GET /<version>/<ig-user-id>?fields=mentioned_media.media_id(<id>){...}
          the text of an Instagram @mention, in the shape the Graph API
          answers (Instagram Platform, Mentions; IG User mentioned_comment
          and mentioned_media): {"mentioned_comment": {"id", "text",
          "timestamp": "2024-05-18T23:19:36+0000", "media": {"id",
          "permalink"}}, "id": "<ig-user-id>"}, or for a caption
          {"mentioned_media": {"id", "caption", "permalink", "timestamp",
          "username"}, "id": ...}. S.json's "comments" and "media" map ids
          to those objects; an unknown id answers 400 with an
          OAuthException, as the API does.
      GET /<version>/debug_token?input_token=T&access_token=T
          {"data": {"app_id", "type": "PAGE", "is_valid", "expires_at",
          "data_access_expires_at", "scopes"}} from S.json's "debug"
          (Graph API, debug_token).

      Look-ups need "Authorization: Bearer <S.json's token>", else 400
      {"error": {"type": "OAuthException", "code": 190}}. Every answer
      carries X-App-Usage and X-Business-Use-Case-Usage from S.json's
      "app_usage" and "buc_usage" (JSON objects, as Meta sends them:
      {"call_count": 28, "total_time": 25, "total_cputime": 25} and
      {"<business id>": [{"type": "pages", "call_count": .., ...,
      "estimated_time_to_regain_access": <minutes>}]}), and S.json's
      "status" (when set) replaces 200. S.json is read again when it
      changes; while the file its "hold" names exists (60 s at most),
      look-up answers are held back. Each request is logged as one JSON line (method, path,
      query without the tokens, whether the token was good, status).

  fake_meta.py send --url U --secret-file F (--body-file B | --body TEXT)
                    [--signature SIG | --no-signature] [--alter]
      Posts a webhook as Meta does: Content-Type application/json,
      User-Agent facebookexternalua and X-Hub-Signature-256:
      sha256=<hex HMAC-SHA256 of the body with the app secret> (Graph API,
      Webhooks, Getting Started: "Validating Payloads"). --alter signs
      the body, then changes one byte of it. Prints the status, the
      Retry-After header ("-" when none) and the body, one per line.
"""
import argparse
import hashlib
import hmac
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def send(args):
    if args.body_file:
        with open(args.body_file, "rb") as f:
            body = f.read()
    else:
        body = args.body.encode()
    with open(args.secret_file, "rb") as f:
        secret = f.read().rstrip(b"\r\n")
    sig = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
    if args.signature is not None:
        sig = args.signature
    if args.alter:
        i = len(body) // 2
        body = body[:i] + bytes([body[i] ^ 0x20]) + body[i + 1:]
    req = urllib.request.Request(args.url, data=body, method="POST")
    req.add_header("Content-Type", "application/json")
    req.add_header("User-Agent", "facebookexternalua")
    if not args.no_signature:
        req.add_header("X-Hub-Signature-256", sig)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, headers, text = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, headers, text = e.code, e.headers, e.read()
    print(status)
    print(headers.get("Retry-After") or "-")
    print(text.decode(errors="replace"))


state = {"mtime": None, "data": {}}
lock = threading.Lock()


def load(path):
    st = os.stat(path)
    if st.st_mtime_ns != state["mtime"]:
        with open(path) as f:
            state["data"] = json.load(f)
        state["mtime"] = st.st_mtime_ns
    return state["data"]


def make_handler(args, logf):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, s, status, obj):
            body = json.dumps(obj).encode()
            self.send_response(s.get("status", status) if status == 200 else status)
            self.send_header("Content-Type", "application/json")
            for h, k in (("X-App-Usage", "app_usage"), ("X-Business-Use-Case-Usage", "buc_usage")):
                if k in s:
                    self.send_header(h, json.dumps(s[k]))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return s.get("status", status) if status == 200 else status

        def do_GET(self):
            with lock:
                s = load(args.state)
            u = urlsplit(self.path)
            q = {k: v[0] for k, v in parse_qs(u.query).items()}
            parts = u.path.strip("/").split("/")
            rec = {"method": "GET", "path": u.path,
                   "query": {k: v for k, v in q.items() if "token" not in k}}
            oauth = {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException",
                               "code": 190, "fbtrace_id": "AbCdEf"}}
            if len(parts) == 2 and parts[1] == "debug_token":
                rec["token_ok"] = q.get("input_token") == s.get("token")
                d = dict(s.get("debug", {"is_valid": True, "expires_at": 0,
                                         "data_access_expires_at": 0}))
                d.update({"app_id": "138483919580948", "type": "PAGE", "application": "Acme",
                          "scopes": ["pages_show_list", "instagram_manage_comments"]})
                rec["status"] = self.answer(s, 200, {"data": d})
            else:
                auth = self.headers.get("Authorization") or ""
                rec["token_ok"] = auth == "Bearer " + s.get("token", "")
                m = re.fullmatch(r"(mentioned_comment)\.comment_id\(([0-9]+)\)\{.*\}|"
                                 r"(mentioned_media)\.media_id\(([0-9]+)\)\{.*\}",
                                 q.get("fields", ""))
                if not rec["token_ok"]:
                    rec["status"] = self.answer(s, 400, oauth)
                elif len(parts) != 2 or m is None:
                    rec["status"] = self.answer(s, 400, {"error": {
                        "message": "Unsupported get request.", "type": "GraphMethodException",
                        "code": 100}})
                else:
                    end = time.time() + 60
                    while s.get("hold") and os.path.exists(s["hold"]) and time.time() < end:
                        time.sleep(0.02)
                    field = m.group(1) or m.group(3)
                    oid = m.group(2) or m.group(4)
                    table = s.get("comments" if m.group(1) else "media", {})
                    if oid not in table:
                        rec["status"] = self.answer(s, 400, {"error": {
                            "message": "Invalid parameter", "type": "OAuthException",
                            "code": 100}})
                    else:
                        obj = dict(table[oid])
                        obj["id"] = oid
                        rec["status"] = self.answer(s, 200, {field: obj, "id": parts[1]})
            logf.write(json.dumps(rec) + "\n")

    return Handler


def serve(args):
    logf = open(args.log, "a", buffering=1)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(args, logf))
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(tmp, args.port_file)
    srv.serve_forever()


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "send":
        b = argparse.ArgumentParser(prog="fake_meta.py send")
        b.add_argument("--url", required=True)
        b.add_argument("--secret-file", required=True)
        b.add_argument("--body-file")
        b.add_argument("--body")
        b.add_argument("--signature")
        b.add_argument("--no-signature", action="store_true")
        b.add_argument("--alter", action="store_true")
        args = b.parse_args(sys.argv[2:])
        if not args.body_file and args.body is None:
            b.error("send needs --body-file or --body")
        send(args)
        return 0
    a = argparse.ArgumentParser(prog="fake_meta.py")
    a.add_argument("--port-file", required=True)
    a.add_argument("--log", required=True)
    a.add_argument("--state", required=True)
    serve(a.parse_args())
    return 0


if __name__ == "__main__":
    sys.exit(main())
