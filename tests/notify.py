#!/usr/bin/env python3
"""A stand-in for systemd's notify socket: records every sd_notify datagram.

  notify.py SOCKET-PATH LOG   (one datagram per line, newlines as '|')
"""
import os
import socket
import sys

path, log = sys.argv[1], sys.argv[2]
if os.path.exists(path):
    os.unlink(path)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
with open(log, "a", buffering=1) as f:
    f.write("LISTENING\n")
    while True:
        data = s.recv(65536)
        f.write(data.decode("utf-8", "replace").replace("\n", "|") + "\n")
