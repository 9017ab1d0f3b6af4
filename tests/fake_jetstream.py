#!/usr/bin/env python3
"""A fake Bluesky Jetstream (v1 /subscribe) for keluh's tests, on 127.0.0.1 only.

  fake_jetstream.py --port-file F --log L --events E
  fake_jetstream.py --port-file F --log L --bench N

The server side of a WebSocket (RFC 6455) is written here with the
standard library: the upgrade handshake (Sec-WebSocket-Accept), unmasked
text frames to the client, and the client's frames read and checked: a
client frame without the mask bit is a protocol error (logged, closed with
1002), as RFC 6455 section 5.1 demands.

Events: E holds one event a line (JSON, shapes from the Jetstream README
and the atproto lexicons; see tests/daemon_sources_bluesky.sh). Like
Jetstream, a connection without cursor= gets only the events written
after it came; with cursor=<µs> it gets first every event of E whose
time_us >= cursor, then the new ones. E is read again as it grows. Lines
that are control objects (with an "id") act once, on the first connection
whose reader reaches them:
  {"_ctl": "drop"}           close the connection at once (no close frame)
  {"_ctl": "big", "size": N} send one text message of N bytes (not JSON)
  {"_ctl": "binary"}         send one binary message
Each upgrade is logged as one JSON line: {"path", "query" (parsed),
"cursor"}; a pong as {"pong": true, "masked": bool}; a bad client frame as
{"error": "..."}. After the upgrade the server sends a ping, so the
client's masking is checked on its pong.

--bench N: every connection gets N pre-encoded post frames (a recorded
shape, texts varied, one in ten a complaint with "login"), as fast as the
socket takes them, then only pings; logged as {"bench_sent": N, "seconds"}.
"""
import argparse
import base64
import hashlib
import json
import os
import select
import signal
import socket
import struct
import sys
import threading
import time
from urllib.parse import parse_qs, urlsplit

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--events")
ap.add_argument("--bench", type=int, default=0)
args = ap.parse_args()

lock = threading.Lock()
done = set()    # control lines acted on (by their "id"): each acts once, on one connection
logf = open(args.log, "a", buffering=1)


def log(obj):
    with lock:
        logf.write(json.dumps(obj) + "\n")


def frame(opcode, payload):
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def read_request(sock):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk or len(data) > 65536:
            return None, None
        data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return head[0], headers


class Client:
    """Reads the client's frames on the side: checks the mask, answers close."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""
        self.closed = False

    def poll(self):
        while not self.closed:
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return
            chunk = self.sock.recv(65536)
            if not chunk:
                self.closed = True
                return
            self.buf += chunk
            self.frames()

    def frames(self):
        while len(self.buf) >= 2:
            b0, b1 = self.buf[0], self.buf[1]
            masked, n, at = bool(b1 & 0x80), b1 & 0x7F, 2
            if n == 126:
                if len(self.buf) < 4:
                    return
                n, at = struct.unpack("!H", self.buf[2:4])[0], 4
            elif n == 127:
                if len(self.buf) < 10:
                    return
                n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
            if len(self.buf) < at + (4 if masked else 0) + n:
                return
            opcode = b0 & 0x0F
            if not masked:
                log({"error": "client frame not masked", "opcode": opcode})
                self.sock.sendall(frame(8, struct.pack("!H", 1002)))
                self.closed = True
                return
            key = self.buf[at:at + 4]
            body = bytes(c ^ key[i % 4] for i, c in enumerate(self.buf[at + 4:at + 4 + n]))
            self.buf = self.buf[at + 4 + n:]
            if opcode == 0xA:
                log({"pong": True, "masked": True, "payload": body.decode("latin-1")})
            elif opcode == 0x8:
                self.sock.sendall(frame(8, body[:2]))
                self.closed = True


def events_from(path, pos):
    """New complete lines of the events file from byte pos: (lines, new pos)."""
    try:
        with open(path, "rb") as f:
            f.seek(pos)
            data = f.read()
    except FileNotFoundError:
        return [], pos
    end = data.rfind(b"\n") + 1
    return [l for l in data[:end].split(b"\n") if l.strip()], pos + end


def send_event(sock, line):
    """Sends one line of the events file; False when the connection must end."""
    obj = json.loads(line)
    ctl = obj.get("_ctl") if isinstance(obj, dict) else None
    if ctl:
        with lock:
            if obj.get("id") in done:
                return True
            done.add(obj.get("id"))
    if ctl == "drop":
        log({"dropped": True})
        sock.shutdown(socket.SHUT_RDWR)
        return False
    if ctl == "big":
        sock.sendall(frame(1, b"x" * obj["size"]))
        log({"big_sent": obj["size"]})
    elif ctl == "binary":
        sock.sendall(frame(2, b"\x28\xb5\x2f\xfd binary"))
    else:
        sock.sendall(frame(1, line))
    return True


def serve_events(sock, client, cursor):
    pos = 0
    if cursor is None:
        _, pos = events_from(args.events, 0)    # live tail only, as Jetstream does
    last_ping = time.time()
    while not client.closed:
        lines, pos = events_from(args.events, pos)
        for line in lines:
            obj = json.loads(line)
            if cursor is not None and "_ctl" not in obj and obj.get("time_us", 0) < cursor:
                continue
            if not send_event(sock, line):
                return
        client.poll()
        if time.time() - last_ping > 5:
            sock.sendall(frame(9, b"p"))
            last_ping = time.time()
        time.sleep(0.02)


BENCH_POST = {"did": "did:plc:bench%06d", "time_us": 0, "kind": "commit",
              "commit": {"rev": "3l3qo2vutsw2b", "operation": "create",
                         "collection": "app.bsky.feed.post", "rkey": "3l3q%09d",
                         "record": {"$type": "app.bsky.feed.post", "text": "",
                                    "createdAt": "2026-12-06T10:00:00.000Z", "langs": ["id"]},
                         "cid": "bafyreidfayvfuwqa7qlnopdjiqrxzs6blmoeu4rujcjtnci5beludirz2a"}}
WORDS = ["makan siang enak", "cuaca cerah hari ini", "nonton film baru", "kopi pagi",
         "macet lagi di tol", "liburan ke bali", "main game sampai malam", "rapat lagi"]


def bench_frames(n, start_us):
    out = []
    for i in range(n):
        ev = json.loads(json.dumps(BENCH_POST))
        ev["did"] = "did:plc:bench%06d" % (i % 5000)
        ev["time_us"] = start_us + i
        ev["commit"]["rkey"] = "3l3q%09d" % i
        ev["commit"]["record"]["text"] = ("gak bisa login ke aplikasi acme dari pagi #%d" % i
                                          if i % 10 == 0 else "%s #%d" % (WORDS[i % 8], i))
        out.append(frame(1, json.dumps(ev, separators=(",", ":")).encode()))
    return b"".join(out)


def serve_bench(sock, client):
    blob = bench_frames(args.bench, int(time.time() * 1e6))
    t0 = time.time()
    sock.sendall(blob)
    log({"bench_sent": args.bench, "seconds": round(time.time() - t0, 3)})
    while not client.closed:
        client.poll()
        time.sleep(0.2)


def handle(sock):
    try:
        line, headers = read_request(sock)
        if line is None:
            return
        target = line.split(" ")[1]
        u = urlsplit(target)
        q = parse_qs(u.query)
        key = headers.get("sec-websocket-key", "")
        if (headers.get("upgrade", "").lower() != "websocket" or not key
                or headers.get("sec-websocket-version") != "13"):
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            log({"error": "not a WebSocket upgrade", "path": u.path})
            return
        cursor = int(q["cursor"][0]) if "cursor" in q else None
        log({"path": u.path, "query": q, "cursor": cursor})
        if u.path != "/subscribe":
            sock.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            return
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        sock.sendall(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        sock.sendall(frame(9, b"hi"))
        client = Client(sock)
        if args.bench:
            serve_bench(sock, client)
        else:
            serve_events(sock, client, cursor)
    except (OSError, ValueError) as e:
        log({"error": "connection: %s" % e})
    finally:
        sock.close()


def main():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    signal.signal(signal.SIGTERM, lambda *a: os._exit(0))
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.rename(tmp, args.port_file)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
