#!/usr/bin/env python3
"""Slow HTTP clients ("slowloris") against a server on 127.0.0.1.

Each connection sends a request line and then one header byte a second,
never ending the head. --count connections are opened from each --from
address (any of 127.0.0.0/8); with --keep, one the server closed is opened
again, up to --max-opens in all. Everything stops after --duration seconds
or when --stop-file appears, whichever comes first. --ready-file is written
once every address has had its first --count connections opened.

The report (--report, JSON) says what the server did with them:
  opened    connections that connected
  refused   answered 429 (too many from one address)
  timeout   answered 408
  closed    closed by the server without an answer
  max_life  longest seconds a connection lived before the server ended it
  open_at_end  connections still open when the run ended
"""
import argparse
import errno
import json
import os
import selectors
import socket
import time

HEAD = b"POST /v1/mentions HTTP/1.1\r\nHost: x\r\nX-Slow: "


class Conn:
    def __init__(self, sock, addr):
        self.sock = sock
        self.addr = addr
        self.opened = time.monotonic()
        self.connected = False
        self.next_byte = 0.0
        self.got = b""


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--from", dest="froms", action="append", default=[])
    ap.add_argument("--count", type=int, default=10)
    ap.add_argument("--keep", action="store_true")
    ap.add_argument("--max-opens", type=int, default=1000)
    ap.add_argument("--duration", type=float, default=10.0)
    ap.add_argument("--ready-file")
    ap.add_argument("--stop-file")
    ap.add_argument("--report", required=True)
    a = ap.parse_args()
    froms = a.froms or ["127.0.0.1"]

    sel = selectors.DefaultSelector()
    conns = set()
    rep = {"opened": 0, "refused": 0, "timeout": 0, "closed": 0, "max_life": 0.0,
           "open_at_end": 0, "connect_errors": 0}
    opens = 0

    def open_one(addr):
        nonlocal opens
        opens += 1
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind((addr, 0))
        s.setblocking(False)
        err = s.connect_ex(("127.0.0.1", a.port))
        if err not in (0, errno.EINPROGRESS):
            rep["connect_errors"] += 1
            s.close()
            return
        c = Conn(s, addr)
        conns.add(c)
        sel.register(s, selectors.EVENT_READ | selectors.EVENT_WRITE, c)

    def ended(c):
        life = time.monotonic() - c.opened
        status = c.got.split(b" ", 2)[1] if c.got.startswith(b"HTTP/1.1 ") else b""
        if status == b"429":
            rep["refused"] += 1
        elif status == b"408":
            rep["timeout"] += 1
            rep["max_life"] = max(rep["max_life"], life)
        else:
            rep["closed"] += 1
            rep["max_life"] = max(rep["max_life"], life)
        sel.unregister(c.sock)
        c.sock.close()
        conns.discard(c)
        if a.keep and opens < a.max_opens:
            open_one(c.addr)

    for addr in froms:
        for _ in range(a.count):
            open_one(addr)
    if a.ready_file:
        with open(a.ready_file, "w") as f:
            f.write("ready\n")
    end = time.monotonic() + a.duration
    while time.monotonic() < end:
        if a.stop_file and os.path.exists(a.stop_file):
            break
        for key, ev in sel.select(timeout=0.1):
            c = key.data
            if ev & selectors.EVENT_WRITE and not c.connected:
                if c.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) != 0:
                    rep["connect_errors"] += 1
                    sel.unregister(c.sock)
                    c.sock.close()
                    conns.discard(c)
                    continue
                c.connected = True
                rep["opened"] += 1
                sel.modify(c.sock, selectors.EVENT_READ, c)
                try:
                    c.sock.send(HEAD)
                except OSError:
                    pass
                c.next_byte = time.monotonic() + 1
            if ev & selectors.EVENT_READ:
                try:
                    data = c.sock.recv(4096)
                except OSError:
                    data = b""
                if data:
                    c.got += data
                else:
                    ended(c)
        now = time.monotonic()
        for c in list(conns):
            if c.connected and now >= c.next_byte:
                try:
                    c.sock.send(b"a")
                except OSError:
                    pass
                c.next_byte = now + 1
    rep["open_at_end"] = len(conns)
    for c in list(conns):
        c.sock.close()
    rep["max_life"] = round(rep["max_life"], 1)
    with open(a.report, "w") as f:
        json.dump(rep, f, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
