#!/usr/bin/env python3
"""A stand-in for the Cilium agent's API on a Unix socket, for the netns tests.

    cilium-agent-server.py SOCKET MODE_FILE DATA_DIR

Answers GET /v1/healthz and GET /v1/config with bodies shaped as Cilium's api/v1/openapi.yaml
says (the fixtures in DATA_DIR), chunked as Go's net/http sends large bodies. MODE_FILE, read at
each request, says how: native, tunnel, v115 (no "routing" in healthz), slow (answers after 5 s),
garbage (200 with no JSON), cut (closes in the middle of the body), error (500). Each request is
logged as a line "MODE PATH" to SOCKET.log. It stops by itself after 10 minutes.
"""
import os
import socketserver
import sys
import threading
import time

SOCKET, MODE_FILE, DATA = sys.argv[1:4]
BODIES = {
    "native": ("healthz-native.json", "config-native.json"),
    "tunnel": ("healthz-tunnel.json", "config-tunnel.json"),
    "v115": ("healthz-1.15.json", "config-native.json"),
}


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().strip() or "native"
    except OSError:
        return "native"


class Handler(socketserver.StreamRequestHandler):
    def send(self, status, body, chunked=True):
        head = f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        if chunked:
            head += "Transfer-Encoding: chunked\r\n\r\n"
            out = head.encode()
            for i in range(0, len(body), 1024):
                part = body[i:i + 1024]
                out += b"%x\r\n" % len(part) + part + b"\r\n"
            out += b"0\r\n\r\n"
        else:
            out = (head + f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        self.wfile.write(out)

    def handle(self):
        try:
            self.serve()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first (slow mode): what a timeout looks like from here

    def serve(self):
        while True:
            line = self.rfile.readline()
            if not line:
                return
            path = line.split()[1].decode() if len(line.split()) > 1 else ""
            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                pass
            m = mode()
            with open(SOCKET + ".log", "a") as log:
                log.write(f"{m} {path}\n")
            if m == "slow":
                time.sleep(5)
                m = "native"
            if m == "garbage":
                self.send("200 OK", b"<html>502 Bad Gateway</html>", chunked=False)
                continue
            if m == "error":
                self.send("500 Internal Server Error", b'{"message":"no"}', chunked=False)
                continue
            if path not in ("/v1/healthz", "/v1/config"):
                self.send("404 Not Found", b"{}", chunked=False)
                continue
            name = BODIES.get(m, BODIES["native"])[path == "/v1/config"]
            with open(os.path.join(DATA, name), "rb") as f:
                body = f.read()
            if m == "cut":
                head = f"HTTP/1.1 200 OK\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                self.wfile.write(head + body[: len(body) // 2])
                self.wfile.flush()
                return
            self.send("200 OK", body)


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCKET):
    os.unlink(SOCKET)
server = Server(SOCKET, Handler)
threading.Timer(600, server.shutdown).start()
server.serve_forever()
