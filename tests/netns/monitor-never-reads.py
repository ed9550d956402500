#!/usr/bin/env python3
"""Subscribes to Monitor and does not read: routeguardd must drop it, not block or grow without end.

    monitor-never-reads.py SOCKET STATE_DIR
Writes STATE_DIR/subscribed, then reads nothing until STATE_DIR/check appears; then drains what the
daemon had sent and writes STATE_DIR/result: "dropped" when the daemon had closed the connection,
"kept" when it is still open.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from varlink_client import Client  # noqa: E402

path, state = sys.argv[1], sys.argv[2]
c = Client(path)
c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the daemon's queue is what fills
c.call("io.routeguard.Monitor", more=True)
open(os.path.join(state, "subscribed"), "w").close()
while not os.path.exists(os.path.join(state, "check")):
    time.sleep(0.1)
result = "kept"
c.sock.settimeout(3.0)
try:
    while True:
        if not c.sock.recv(65536):
            result = "dropped"
            break
except socket.timeout:
    pass
except ConnectionResetError:
    result = "dropped"
with open(os.path.join(state, "result"), "w") as f:
    f.write(result + "\n")
