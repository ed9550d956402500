#!/usr/bin/env python3
"""Misbehaving clients against routeguardd's control socket, while a well-behaved one keeps asking.

    hostile-clients.py SOCKET DAEMON_PID PHASE

PHASE "protocol": garbage, wrong types, unknown methods, oversized and truncated messages.
PHASE "crowd": 300 idle clients; the limit is 256, the well-behaved client still gets answers.
PHASE "idle": the crowd is dropped after 30 s of silence.
Prints "ok: …" lines; exits 1 with a reason on the first failure.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from varlink_client import Client  # noqa: E402

path, pid, phase = sys.argv[1], int(sys.argv[2]), sys.argv[3]
latencies = []


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def good_client_answers():
    c = Client(path)
    reply, seconds = c.timed_call("io.routeguard.GetStatus")
    c.close()
    if "parameters" not in reply or "ready" not in reply["parameters"]:
        fail(f"a well-behaved GetStatus got {reply}")
    latencies.append(seconds)


def expect_error(client, error, what):
    reply = client.reply()
    if reply.get("error") != error:
        fail(f"{what}: expected {error}, got {reply}")
    print(f"ok: {what} -> {error}")


def protocol():
    c = Client(path)
    c.send_raw(b"hello, routeguard\0")
    expect_error(c, "org.varlink.service.InvalidParameter", "plain text")
    c.send_raw(b'{"method": 5}\0')
    expect_error(c, "org.varlink.service.InvalidParameter", "a method that is not a string")
    c.send_raw(b'{"method": "io.routeguard.GetStatus", "parameters": []}\0')
    expect_error(c, "org.varlink.service.InvalidParameter", "parameters that are a list")
    c.send_raw(b'{"method": "io.routeguard.GetStatus"} trailing\0')
    expect_error(c, "org.varlink.service.InvalidParameter", "bytes after the object")
    c.call("io.routeguard.Shutdown")
    expect_error(c, "org.varlink.service.MethodNotFound", "an unknown method")
    c.call("io.routeguard.Monitor")
    expect_error(c, "org.varlink.service.InvalidParameter", "Monitor without more")
    c.call("org.varlink.service.GetInterfaceDescription", {"interface": "io.routeguard"})
    if "interface io.routeguard" not in c.reply()["parameters"]["description"]:
        fail("GetInterfaceDescription does not describe io.routeguard")
    c.call("org.varlink.service.GetInfo")
    if "io.routeguard" not in c.reply()["parameters"]["interfaces"]:
        fail("GetInfo does not list io.routeguard")
    # after all that, the same connection still works
    reply, _ = c.timed_call("io.routeguard.GetStatus")
    if "parameters" not in reply:
        fail("the connection broke after bad requests")
    print("ok: the connection still answers after bad requests")
    c.close()

    big = Client(path)
    big.send_raw(b"{" + b" " * (70 * 1024))
    if not big.closed_by_peer():
        fail("a request over 64 KiB was not disconnected")
    print("ok: a request over 64 KiB is disconnected")

    half = Client(path)
    half.send_raw(b'{"method": "io.routeguard.GetStatus"')
    half.sock.settimeout(1.0)
    try:
        half.reply()
        fail("a truncated message got a reply")
    except socket.timeout:
        pass
    print("ok: a truncated message waits without an answer")
    good_client_answers()
    half.close()
    for _ in range(20):
        good_client_answers()


crowd = []


def crowd_phase():
    for _ in range(300):
        try:
            crowd.append(Client(path, timeout=2.0))
        except OSError as e:
            fail(f"connecting client {len(crowd)} failed: {e}")
    time.sleep(0.5)
    dropped = sum(1 for c in crowd[256:] if c.closed_by_peer(wait=0.5))
    print(f"ok: 300 idle clients connected; {dropped} of the 44 past the limit of 256 were closed")
    if dropped < 40:
        fail("the client limit of 256 was not enforced")
    # the limit is full: the well-behaved client must still get in once an idle one leaves
    crowd.pop(0).close()
    time.sleep(0.2)
    for _ in range(20):
        good_client_answers()
    print(f"ok: a well-behaved client is answered beside 255 idle ones")


def idle_phase():
    crowd_phase()
    start = time.monotonic()
    remaining = [c for c in crowd[:255]]
    remaining[0].closed_by_peer(wait=35.0)
    closed = sum(1 for c in remaining if c.closed_by_peer(wait=2.0))
    print(f"ok: {closed} of 255 idle clients were disconnected after {time.monotonic() - start:.0f} s")
    if closed < 250:
        fail("idle clients were not disconnected after 30 s")
    good_client_answers()


if phase == "protocol":
    protocol()
elif phase == "crowd":
    crowd_phase()
elif phase == "idle":
    idle_phase()
else:
    fail(f"unknown phase {phase}")
worst = max(latencies) if latencies else 0
print(f"ok: {len(latencies)} well-behaved GetStatus calls, slowest {worst * 1000:.1f} ms; daemon RSS {rss_kib()} KiB")
if worst > 5.0:
    fail("a well-behaved client waited more than 5 s")
