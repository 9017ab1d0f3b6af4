#!/usr/bin/env python3
"""A stand-in for the Google Play Developer API and the App Store Connect API,
for keluh's review source tests; 127.0.0.1 only.

  fake_reviews.py --port-file F --log L --data D.json
                  --google-sa SA.json --apple-key PUB.pem --apple-kid KID --apple-issuer ISS

Google (shapes from developers.google.com: "Using OAuth 2.0 for Server to
Server Applications" and androidpublisher v3 reviews.list / REST Resource
reviews):
  POST /token  grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT
    The JWT must be RS256, signed by SA.json's key (SA.json is read again
    at each request), with iss its client_email,
    scope .../auth/androidpublisher, aud its token_uri, iat about now and
    exp at most an hour later; else 400 {"error": "invalid_grant"}. Issues
    {"access_token", "expires_in", "token_type": "Bearer"}; expires_in comes
    from D.json's google.expires_in (default 3599) and the token really
    expires then.
  GET /androidpublisher/v3/applications/PKG/reviews
    Needs "Authorization: Bearer <a token issued, unexpired, not revoked>",
    else 401. Answers D.json's google.packages[PKG] (Review objects, newest
    first) google.page_size at a time, linked by tokenPagination.nextPageToken
    (sent back as token=). google.revoke_at: numbers of reviews requests
    (1-based, counted over every package) at which every token is revoked.

Apple (shapes from developer.apple.com: "Generating Tokens for API
Requests" and "List all customer reviews for an app"):
  GET /v1/apps/ID/customerReviews
    Needs a bearer JWT: ES256 signed by PUB.pem's key (the raw r||s), header
    kid KID and typ JWT, claims iss ISS, aud appstoreconnect-v1, exp in the
    future and at most 20 minutes after iat; else 401 NOT_AUTHORIZED.
    Answers D.json's apple.apps[ID] (customerReviews resources) sorted by
    -createdDate, apple.page_size at a time, linked by links.next.

D.json is read again at every request. Every request is logged as one JSON
line (time, method, path, query, the token or JWT it carried, why it was
refused, the status answered). SIGTERM stops the server.
"""
import argparse
import base64
import json
import os
import secrets
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--data", required=True)
ap.add_argument("--google-sa", required=True)
ap.add_argument("--apple-key", required=True)
ap.add_argument("--apple-kid", required=True)
ap.add_argument("--apple-issuer", required=True)
args = ap.parse_args()

SCOPE = "https://www.googleapis.com/auth/androidpublisher"
a_pub = serialization.load_pem_public_key(open(args.apple_key, "rb").read())
lock = threading.Lock()
logf = open(args.log, "a", buffering=1)
tokens = {}          # access token -> expiry (time.time())
counter = {"gp": 0}


def b64d(s):
    if "=" in s:
        raise ValueError("padding in base64url")
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def jwt_parts(tok):
    """(header, claims, signing input, signature) or raises ValueError."""
    parts = tok.split(".")
    if len(parts) != 3:
        raise ValueError("not three parts")
    return (json.loads(b64d(parts[0])), json.loads(b64d(parts[1])),
            (parts[0] + "." + parts[1]).encode(), b64d(parts[2]))


def check_google_jwt(tok, rec):
    # read again each time: the test writes token_uri once it knows the port
    sa = json.load(open(args.google_sa))
    g_pub = serialization.load_pem_private_key(sa["private_key"].encode(), None).public_key()
    h, c, si, sig = jwt_parts(tok)
    rec["jwt_header"], rec["jwt_claims"] = h, c
    if h.get("alg") != "RS256" or h.get("typ") != "JWT":
        return "header %r" % h
    try:
        g_pub.verify(sig, si, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return "signature"
    now = time.time()
    if c.get("iss") != sa["client_email"] or c.get("scope") != SCOPE or c.get("aud") != sa["token_uri"]:
        return "claims"
    if not (abs(c.get("iat", 0) - now) < 60 and 0 < c.get("exp", 0) - c["iat"] <= 3600):
        return "times"
    return None


def check_apple_jwt(tok, rec):
    h, c, si, sig = jwt_parts(tok)
    rec["jwt_header"], rec["jwt_claims"] = h, c
    if h.get("alg") != "ES256" or h.get("kid") != args.apple_kid or h.get("typ") != "JWT":
        return "header %r" % h
    if len(sig) != 64:
        return "signature is %d bytes, not the raw 64 of r||s" % len(sig)
    der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
    try:
        a_pub.verify(der, si, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return "signature"
    now = time.time()
    if c.get("iss") != args.apple_issuer or c.get("aud") != "appstoreconnect-v1":
        return "claims"
    if not (c.get("exp", 0) > now and 0 < c["exp"] - c.get("iat", 0) <= 1200):
        return "times"
    return None


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        return status

    def bearer(self):
        a = self.headers.get("Authorization", "")
        return a[7:] if a.startswith("Bearer ") else None

    def token(self, rec):
        n = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(n).decode())
        rec["grant_type"] = form.get("grant_type", [""])[0]
        try:
            if rec["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer":
                why = "grant_type"
            else:
                why = check_google_jwt(form.get("assertion", [""])[0], rec)
        except (ValueError, KeyError, TypeError) as e:
            why = "malformed: %s" % e
        if why:
            rec["why"] = why
            return self.answer(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        life = load().get("google", {}).get("expires_in", 3599)
        tok = "ya29.c." + secrets.token_urlsafe(24)
        with lock:
            tokens[tok] = time.time() + life
        rec["issued"] = tok
        return self.answer(200, {"access_token": tok, "expires_in": life, "token_type": "Bearer"})

    def google(self, rec, pkg, q):
        g = load().get("google", {})
        with lock:
            counter["gp"] += 1
            n = counter["gp"]
            if n in g.get("revoke_at", []):
                tokens.clear()
                rec["revoked"] = True
            tok = self.bearer()
            rec["token"] = tok
            exp = tokens.get(tok)
        if exp is None or exp <= time.time():
            rec["why"] = "expired" if exp else "unknown token"
            return self.answer(401, {"error": {"code": 401, "message": "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.", "status": "UNAUTHENTICATED"}})
        revs = g.get("packages", {}).get(pkg)
        if revs is None:
            return self.answer(404, {"error": {"code": 404, "message": "Package not found: %s." % pkg, "status": "NOT_FOUND"}})
        size = min(g.get("page_size", 100), int(q.get("maxResults", ["100"])[0]))
        start = int(q.get("token", ["0"])[0] or "0")
        page = revs[start:start + size]
        out = {"pageInfo": {"totalResults": len(revs), "resultPerPage": size, "startIndex": start}}
        if page:
            out["reviews"] = page
        if start + size < len(revs):
            out["tokenPagination"] = {"nextPageToken": str(start + size)}
        return self.answer(200, out)

    def apple(self, rec, app, q):
        a = load().get("apple", {})
        tok = self.bearer()
        try:
            why = check_apple_jwt(tok, rec) if tok else "no bearer token"
        except (ValueError, KeyError, TypeError) as e:
            why = "malformed: %s" % e
        if why:
            rec["why"] = why
            return self.answer(401, {"errors": [{"status": "401", "code": "NOT_AUTHORIZED", "title": "Authentication credentials are missing or invalid.", "detail": "Provide a properly configured and signed bearer token, and make sure that it has not expired. Learn more about Generating Tokens for API Requests https://developer.apple.com/go/?id=api-generating-tokens"}]})
        revs = sorted(a.get("apps", {}).get(app, []), key=lambda r: r["attributes"]["createdDate"], reverse=True)
        size = min(a.get("page_size", 200), int(q.get("limit", ["50"])[0]))
        start = int(q.get("cursor", ["0"])[0])
        base = "http://%s/v1/apps/%s/customerReviews?sort=-createdDate&limit=%d" % (self.headers["Host"], app, size)
        out = {"data": revs[start:start + size], "links": {"self": base},
               "meta": {"paging": {"total": len(revs), "limit": size}}}
        if start + size < len(revs):
            out["links"]["next"] = base + "&cursor=%d" % (start + size)
        return self.answer(200, out)

    def handle_one(self, method):
        u = urlsplit(self.path)
        q = parse_qs(u.query)
        rec = {"t": time.time(), "method": method, "path": u.path, "query": u.query}
        p = u.path.split("/")
        if method == "POST" and u.path == "/token":
            rec["kind"] = "token"
            rec["status"] = self.token(rec)
        elif len(p) == 6 and p[1:4] == ["androidpublisher", "v3", "applications"] and p[5] == "reviews":
            rec["kind"] = "gp"
            rec["status"] = self.google(rec, p[4], q)
        elif len(p) == 5 and p[1:3] == ["v1", "apps"] and p[4] == "customerReviews":
            rec["kind"] = "as"
            rec["status"] = self.apple(rec, p[3], q)
        else:
            rec["status"] = self.answer(404, {"error": "no such path"})
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


def load():
    with open(args.data) as f:
        return json.load(f)


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
