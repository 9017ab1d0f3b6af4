#!/usr/bin/env python3
"""Fake chat platforms for keluh's tests, on 127.0.0.1 only.

One server plays the parts of four platforms' APIs that living messages
use, keeps the messages it was sent (so an edit of an unknown message
fails as on the real platform) and records every call:

  fake_chat.py --port-file F --log L [--plan STEP,STEP...] [--retry-after 2]
               [--edit-plan STEP,STEP...] [--port N]

  Slack Web API  POST /api/chat.postMessage  {"ok":true,"channel","ts","message"}
                 POST /api/chat.update       {"ok":true,"channel","ts"}
                 (no "Authorization: Bearer ..." -> {"ok":false,"error":"not_authed"})
  Discord        POST /api/webhooks/ID/TOKEN[?wait=true]  200 {"id",...} with
                 wait=true, else 204
                 PATCH /api/webhooks/ID/TOKEN/messages/MID  200 {"id",...}
  Telegram       POST /botTOKEN/sendMessage, /botTOKEN/editMessageText
                 {"ok":true,"result":{"message_id","chat":{"id"},"text"}}
                 POST /botTOKEN/answerCallbackQuery {"ok":true,"result":true}
                 GET /botTOKEN/getUpdates?offset=N&timeout=S: the queued
                 updates from update_id N on (those before N are confirmed
                 and dropped), waiting up to S seconds for one; logged (op
                 "updates") when it arrives with N not 0, and when it answers
                 updates ("ref": their update_ids), so a poll loop that gets
                 nothing adds nothing to the log
  (the test)     POST /_fake/updates  an update (JSON) joins the queue
  Mattermost     POST /api/v4/posts  201 {"id","channel_id","root_id","message"}
                 PUT /api/v4/posts/ID  200 {"id",...}

Plan steps are used in order, one per request, then every request is
answered as above ("ok"):
  ok              the platform's answer
  500, 502 ...    that status, with a JSON error body
  429             429 with Retry-After: --retry-after (Slack: {"ok":false,
                  "error":"ratelimited"})
  okfalse:ERROR   200 {"ok":false,"error":"ERROR"} (Slack's way of failing;
                  Telegram gets "error_code":400 and "description":ERROR);
                  okfalse:ratelimited also sends Retry-After
--edit-plan has the same steps for edits only (chat.update, PATCH,
editMessageText, PUT), used before --plan; a last step written STEP*
answers every edit from then on (an edit that can never work).

The log has one JSON object a line, written before the answer is sent:
  {"t": unix time, "method": "POST", "path": "/api/chat.postMessage",
   "query": "wait=true", "headers": {lower-case name: value},
   "body": the request body as text, "json": the body parsed (or null),
   "platform": "slack"|"discord"|"telegram"|"mattermost"|"unknown",
   "op": "post"|"edit"|"reply"|"unknown", "ref": the message reference the
   answer names (Slack "CHANNEL:TS", Discord and Mattermost the id,
   Telegram "CHAT:ID") or null, "status": the status answered}
The port is written to F once listening (port 0 = any free port). SIGTERM
stops it.
"""
import argparse
import itertools
import json
import os
import signal
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--plan", default="")
ap.add_argument("--retry-after", default="2")
ap.add_argument("--edit-plan", default="")
ap.add_argument("--port", type=int, default=0)
args = ap.parse_args()

plan = [p for p in args.plan.split(",") if p]
edit_plan = [p for p in args.edit_plan.split(",") if p]
lock = threading.Lock()
logf = open(args.log, "a", buffering=1)
seq = itertools.count(1)
messages = {}  # reference -> last body: what an edit may change
updates = []  # Telegram updates queued for getUpdates
updates_cv = threading.Condition(lock)


def chat_id(v):
    try:
        return int(v)
    except (TypeError, ValueError):
        return v


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def do_POST(self):
        if self.path == "/_fake/updates":
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with updates_cv:
                updates.append(json.loads(raw))
                updates_cv.notify_all()
            self.answer(200, {"ok": True}, "ok")
            return
        self.handle_any()

    def do_GET(self):
        u = urlsplit(self.path)
        if not (u.path.startswith("/bot") and u.path.endswith("/getUpdates")):
            self.answer(404, {"error": "no such endpoint"}, "ok")
            return
        q = parse_qs(u.query)
        offset = int(q.get("offset", ["0"])[0])
        deadline = time.time() + min(int(q.get("timeout", ["0"])[0]), 30)
        with updates_cv:
            if offset:
                logf.write(json.dumps({"t": time.time(), "method": "GET", "path": u.path,
                                       "query": u.query, "platform": "telegram",
                                       "op": "updates", "ref": None, "status": None}) + "\n")
            while True:
                updates[:] = [x for x in updates if x["update_id"] >= offset]
                if updates or time.time() >= deadline:
                    break
                updates_cv.wait(deadline - time.time())
            got = list(updates)
            if got:
                rec = {"t": time.time(), "method": "GET", "path": u.path, "query": u.query,
                       "headers": {k.lower(): v for k, v in self.headers.items()},
                       "body": "", "json": None, "platform": "telegram", "op": "updates",
                       "ref": [x["update_id"] for x in got], "status": 200}
                logf.write(json.dumps(rec) + "\n")
        self.answer(200, {"ok": True, "result": got}, "ok")

    def answer(self, status, answer, step):
        out = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        try:
            self.wfile.write(out)
        except OSError:
            pass

    def do_PATCH(self):
        self.handle_any()

    def do_PUT(self):
        self.handle_any()

    def route(self, path, query, j):
        """(platform, op, status, answer dict or None, ref) for a normal answer."""
        m, n = self.command, next(seq)
        auth = self.headers.get("Authorization", "")
        if path.startswith("/api/chat."):
            if not auth.startswith("Bearer "):
                return "slack", "unknown", 200, {"ok": False, "error": "not_authed"}, None
            ch = (j or {}).get("channel") or "C000"
            if path == "/api/chat.postMessage":
                ts = "%d.%06d" % (1795342800 + n, n)
                op = "reply" if (j or {}).get("thread_ts") else "post"
                return "slack", op, 200, {"ok": True, "channel": ch, "ts": ts,
                                          "message": {"ts": ts}}, "%s:%s" % (ch, ts)
            if path == "/api/chat.update":
                ref = "%s:%s" % (ch, (j or {}).get("ts"))
                if ref not in messages:
                    return "slack", "edit", 200, {"ok": False,
                                                  "error": "message_not_found"}, None
                return "slack", "edit", 200, {"ok": True, "channel": ch,
                                              "ts": j["ts"]}, ref
        if path.startswith("/api/webhooks/"):
            parts = path.split("/")
            if m == "POST" and len(parts) == 5:
                mid = str(1300000000000000000 + n)
                if "true" in query.get("wait", []):
                    return "discord", "post", 200, {"id": mid, "type": 0}, mid
                return "discord", "post", 204, None, None
            if m == "PATCH" and len(parts) == 7 and parts[5] == "messages":
                if parts[6] not in messages:
                    return "discord", "edit", 404, {"message": "Unknown Message",
                                                    "code": 10008}, None
                return "discord", "edit", 200, {"id": parts[6], "type": 0}, parts[6]
        if path.startswith("/bot") and path.count("/") == 2:
            method = path.rsplit("/", 1)[1]
            chat = chat_id((j or {}).get("chat_id"))
            if method == "sendMessage":
                ref = "%s:%d" % (chat, n)
                op = "reply" if (j or {}).get("reply_parameters") else "post"
                return "telegram", op, 200, {"ok": True, "result": {
                    "message_id": n, "chat": {"id": chat}, "text": (j or {}).get("text")}}, ref
            if method == "answerCallbackQuery":
                return "telegram", "answer", 200, {"ok": True, "result": True}, None
            if method == "editMessageText":
                ref = "%s:%s" % (chat, (j or {}).get("message_id"))
                if ref not in messages:
                    return "telegram", "edit", 400, {
                        "ok": False, "error_code": 400,
                        "description": "Bad Request: message to edit not found"}, None
                return "telegram", "edit", 200, {"ok": True, "result": {
                    "message_id": j["message_id"], "chat": {"id": chat}}}, ref
        if path == "/api/v4/posts" and m == "POST":
            pid = "%026d" % n
            op = "reply" if (j or {}).get("root_id") else "post"
            return "mattermost", op, 201, {"id": pid, "channel_id": (j or {}).get("channel_id"),
                                           "root_id": (j or {}).get("root_id", ""),
                                           "message": (j or {}).get("message")}, pid
        if path.startswith("/api/v4/posts/") and m == "PUT":
            pid = path.rsplit("/", 1)[1]
            if pid not in messages:
                return "mattermost", "edit", 404, {"id": "app.post.get.app_error",
                                                   "status_code": 404}, None
            return "mattermost", "edit", 200, {"id": pid}, pid
        return "unknown", "unknown", 404, {"error": "no such endpoint"}, None

    def failure(self, step, platform):
        """The answer of a plan step other than "ok"."""
        if step.startswith("okfalse:"):
            err = step[8:]
            if platform == "telegram":
                return 200, {"ok": False, "error_code": 400, "description": err}
            return 200, {"ok": False, "error": err}
        status = int(step)
        if platform == "slack" and status == 429:
            return 429, {"ok": False, "error": "ratelimited"}
        if platform == "telegram":
            return status, {"ok": False, "error_code": status, "description": "fake failure"}
        return status, {"message": "fake failure", "code": 0}

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n)
        u = urlsplit(self.path)
        query = parse_qs(u.query)
        try:
            j = json.loads(raw) if raw else None
        except ValueError:
            j = None
        with lock:
            platform, op, status, answer, ref = self.route(u.path, query, j)
            if op == "edit" and edit_plan:
                step = edit_plan[0].rstrip("*")
                if not edit_plan[0].endswith("*"):
                    edit_plan.pop(0)
            else:
                step = plan.pop(0) if plan else "ok"
            if step != "ok":
                status, answer = self.failure(step, platform)
                ref = None
            elif ref is not None and status < 300:
                messages[ref] = j
            rec = {"t": time.time(), "method": self.command, "path": u.path,
                   "query": u.query, "headers": {k.lower(): v for k, v in self.headers.items()},
                   "body": raw.decode("utf-8", "replace"), "json": j, "platform": platform,
                   "op": op, "ref": ref, "status": status}
            logf.write(json.dumps(rec) + "\n")
        out = json.dumps(answer).encode() if answer is not None else b""
        self.send_response(status)
        if status == 429 or step == "okfalse:ratelimited":
            self.send_header("Retry-After", args.retry_after)
        if out:
            self.send_header("Content-Type", "application/json; charset=utf-8")
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
signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
srv.serve_forever()
