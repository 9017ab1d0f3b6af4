#!/usr/bin/env python3
"""A minimal SMTP server for keluh's tests, on 127.0.0.1 only.

  smtp_sink.py --port-file F --log L [--reply-rcpt 250]

Speaks just enough SMTP for libcurl (EHLO/HELO, MAIL, RCPT, DATA, RSET,
NOOP, QUIT) and records every message as one JSON line: from, to, data.
"""
import argparse
import json
import os
import socketserver

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--reply-rcpt", default="250")
args = ap.parse_args()
logf = open(args.log, "a", buffering=1)


class Handler(socketserver.StreamRequestHandler):
    def send(self, line):
        self.wfile.write((line + "\r\n").encode())

    def handle(self):
        self.send("220 localhost test SMTP")
        mail_from, rcpt = None, []
        while True:
            line = self.rfile.readline()
            if not line:
                return
            cmd = line.decode("utf-8", "replace").rstrip("\r\n")
            up = cmd.upper()
            if up.startswith("EHLO") or up.startswith("HELO"):
                self.send("250 localhost")
            elif up.startswith("MAIL FROM:"):
                mail_from, rcpt = cmd[10:].strip(), []
                self.send("250 ok")
            elif up.startswith("RCPT TO:"):
                rcpt.append(cmd[8:].strip())
                code = args.reply_rcpt
                self.send(code + (" ok" if code.startswith("2") else " mailbox unavailable"))
            elif up == "DATA":
                self.send("354 go ahead")
                data = []
                while True:
                    l = self.rfile.readline()
                    if not l or l in (b".\r\n", b".\n"):
                        break
                    data.append(l.decode("utf-8", "replace"))
                logf.write(json.dumps({"from": mail_from, "to": rcpt, "data": "".join(data)}) + "\n")
                self.send("250 queued")
            elif up in ("RSET", "NOOP"):
                self.send("250 ok")
            elif up == "QUIT":
                self.send("221 bye")
                return
            else:
                self.send("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


srv = Server(("127.0.0.1", 0), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
