#!/usr/bin/env python3
"""A stand-in for the YouTube Data API v3 commentThreads.list, on 127.0.0.1.

The shapes are the documented ones: a youtube#commentThreadListResponse
(kind, etag, nextPageToken, pageInfo, items) of youtube#commentThread
resources, each a snippet with its topLevelComment (a youtube#comment) and
a replies part (developers.google.com/youtube/v3/docs/commentThreads and
.../docs/comments); the errors are Google's JSON error bodies as the API
sends them (pretty-printed): 403 quotaExceeded (domain youtube.quota), 400
"API key not valid" (reason badRequest, ErrorInfo API_KEY_INVALID), 403
when no key is given.

The state (--state FILE, JSON, read again on every request so a test can
rewrite it) says what there is:
  {"keys": ["the-good-key"],
   "quota": 4,            # units a quota day, for each key (null: no limit)
   "disabled": ["video:ID"],  # videos with their comments turned off
   "reset_at": T, "day": D,   # the quota resets at T and every D seconds
   "threads": {"video:ID" or "channel:ID": [thread, ...]}}
a thread: {"id", "video", "channel", "text", "author", "author_channel", "at",
"updated" (optional), "html_only" (no textOriginal), "replies": [comment...]}
with comments {"id", "text", "author", "author_channel", "at"}.

Every request is logged (--log) as one JSON line: t, path, query (a dict),
key_ok, status, used (units counted in this quota day).
"""
import argparse
import base64
import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

LOCK = threading.Lock()
USED = {}  # per key (a project each): its quota day, and the units used in it


def google_error(code, message, domain, reason, status=None, details=None):
    err = {"code": code, "message": message,
           "errors": [{"message": message, "domain": domain, "reason": reason}]}
    if status:
        err["status"] = status
    if details:
        err["details"] = details
    return json.dumps({"error": err}, indent=2)


QUOTA_MSG = ("The request cannot be completed because you have exceeded your "
             "\u003ca href=\"/youtube/v3/getting-started#quota\"\u003equota\u003c/a\u003e.")
QUOTA_BODY = google_error(403, QUOTA_MSG, "youtube.quota", "quotaExceeded")
BADKEY_BODY = google_error(
    400, "API key not valid. Please pass a valid API key.", "global", "badRequest",
    "INVALID_ARGUMENT",
    [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
      "domain": "googleapis.com", "metadata": {"service": "youtube.googleapis.com"}}])
NOKEY_BODY = google_error(
    403, "The request is missing a valid API key.", "global", "forbidden", "PERMISSION_DENIED")


def comment(c, video, channel, parent=None):
    sn = {"channelId": channel, "videoId": video,
          "textDisplay": c["text"], "textOriginal": c["text"],
          "authorDisplayName": c["author"],
          "authorProfileImageUrl": "https://yt3.ggpht.com/ytc/AIdro_x=s48-c-k-c0x00ffffff-no-rj",
          "authorChannelUrl": "http://www.youtube.com/" + c["author"],
          "authorChannelId": {"value": c["author_channel"]},
          "canRate": True, "viewerRating": "none", "likeCount": 0,
          "publishedAt": c["at"], "updatedAt": c.get("updated", c["at"])}
    if c.get("html_only"):
        del sn["textOriginal"]
    if parent:
        sn["parentId"] = parent
    return {"kind": "youtube#comment", "etag": "e-" + c["id"], "id": c["id"], "snippet": sn}


def thread(t):
    top = comment(t, t["video"], t["channel"])
    out = {"kind": "youtube#commentThread", "etag": "et-" + t["id"], "id": t["id"],
           "snippet": {"channelId": t["channel"], "videoId": t["video"], "topLevelComment": top,
                       "canReply": True, "totalReplyCount": len(t.get("replies", [])),
                       "isPublic": True}}
    if t.get("replies"):
        # the API lists replies newest first
        reps = sorted(t["replies"], key=lambda r: r["at"], reverse=True)
        out["replies"] = {"comments": [comment(r, t["video"], t["channel"], t["id"]) for r in reps]}
    return out


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, body, rec):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # keluhd stopped while the answer was on its way
        rec["status"] = status
        with LOCK, open(self.server.log, "a") as f:
            f.write(json.dumps(rec) + "\n")

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        st = json.load(open(self.server.state))
        key = self.headers.get("X-Goog-Api-Key") or q.get("key")
        rec = {"t": time.time(), "path": u.path, "query": q, "key_ok": key in st["keys"],
               "key_in_url": "key" in q,
               "key_id": st["keys"].index(key) if key in st["keys"] else None}
        if u.path != "/youtube/v3/commentThreads":
            return self.answer(404, google_error(404, "Not Found", "global", "notFound"), rec)
        if not key:
            return self.answer(403, NOKEY_BODY, rec)
        if key not in st["keys"]:
            return self.answer(400, BADKEY_BODY, rec)
        with LOCK:
            day = st.get("day") or 86400
            window = (st.get("reset_at", 0), day, int((time.time() - st.get("reset_at", 0)) // day))
            used = USED.setdefault(key, {"window": None, "n": 0})
            if used["window"] != window:
                used["window"], used["n"] = window, 0
            if st.get("quota") is not None and used["n"] >= st["quota"]:
                over = True
            else:
                used["n"] += 1
                over = False
            rec["used"] = used["n"]
        if over:
            return self.answer(403, QUOTA_BODY, rec)
        if "videoId" in q:
            name = "video:" + q["videoId"]
        elif "allThreadsRelatedToChannelId" in q:
            name = "channel:" + q["allThreadsRelatedToChannelId"]
        else:
            return self.answer(400, google_error(400, "No filter selected. Expected one of: "
                                                 "allThreadsRelatedToChannelId, id, videoId",
                                                 "youtube.parameter", "missingRequiredParameter"),
                               rec)
        if name in st.get("disabled", []):
            return self.answer(403, google_error(
                403, "The video identified by the \u003ccode\u003e\u003ca href=\"/youtube/v3/docs/"
                "commentThreads/list#videoId\"\u003evideoId\u003c/a\u003e\u003c/code\u003e "
                "parameter has disabled comments.", "youtube.commentThread", "commentsDisabled"),
                rec)
        if name not in st["threads"]:
            return self.answer(404, google_error(
                404, "The video identified by the \u003ccode\u003e\u003ca href=\"/youtube/v3/docs/"
                "commentThreads/list#videoId\"\u003evideoId\u003c/a\u003e\u003c/code\u003e "
                "parameter could not be found.", "youtube.commentThread", "videoNotFound"), rec)
        ts = sorted(st["threads"][name], key=lambda t: t["at"], reverse=True)
        per = max(1, min(100, int(q.get("maxResults", "20"))))
        start = int(base64.b64decode(q["pageToken"]).decode()) if q.get("pageToken") else 0
        page = ts[start:start + per]
        body = {"kind": "youtube#commentThreadListResponse", "etag": "list-%d" % start,
                "pageInfo": {"totalResults": len(page), "resultsPerPage": per},
                "items": [thread(t) for t in page]}
        if start + per < len(ts):
            body["nextPageToken"] = base64.b64encode(str(start + per).encode()).decode()
        rec["page_start"] = start
        self.answer(200, json.dumps(body, indent=2, ensure_ascii=False), rec)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--state", required=True)
    a = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(a.log)), exist_ok=True)
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.log, srv.state = a.log, a.state
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    os.rename(a.port_file + ".tmp", a.port_file)
    srv.serve_forever()


if __name__ == "__main__":
    main()
