#!/usr/bin/env python3
"""A FUSE mount that never answers: a hung network or FUSE filesystem, made on purpose.

Usage: fuse-stuck.py MOUNTPOINT READY_FILE

Mounts a FUSE filesystem on MOUNTPOINT (as root, in the caller's mount namespace) and never reads
/dev/fuse, so the kernel's INIT request stays unanswered and every access below the mount point
(lookup, stat, open, create) waits in the kernel. The waiters are released, with ENOTCONN, when
this process exits: closing its /dev/fuse descriptor aborts the connection. Writes READY_FILE once
mounted. Needs no FUSE library: the kernel's mount options are all it takes.
"""
import ctypes
import os
import signal
import sys

mountpoint, ready = sys.argv[1], sys.argv[2]
libc = ctypes.CDLL(None, use_errno=True)
fd = os.open("/dev/fuse", os.O_RDWR)
options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
if libc.mount(b"routeguard-stuck", mountpoint.encode(), b"fuse", 0, options) != 0:
    err = ctypes.get_errno()
    sys.exit(f"fuse-stuck: mount {mountpoint}: {os.strerror(err)}")
with open(ready, "w") as f:
    f.write(f"{os.getpid()}\n")
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
while True:
    signal.pause()
