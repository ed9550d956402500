#!/usr/bin/env python3
"""Stands in for systemd's notification socket: appends each sd_notify() message to a file.

    notify-listener.py SOCKET_PATH OUTPUT_FILE      (runs until killed)
"""
import os
import socket
import sys

path, output = sys.argv[1], sys.argv[2]
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
with open(output, "a", buffering=1) as out:
    out.write("LISTENING\n")
    while True:
        message = sock.recv(65536).decode(errors="replace")
        out.write(message.rstrip("\n") + "\n")
        out.flush()
        os.fsync(out.fileno())
