#!/usr/bin/env bash
# routeguardctl ready against a daemon that answers but has not evaluated the node yet (its socket is
# up a few milliseconds before the first evaluation): the answer must be "unknown" (exit 2), never
# "not ready" (exit 1), or node-problem-detector would flap the condition at every restart.
# A stand-in server gives the exact replies; no root, no network namespace.
set -euo pipefail
: "${ROUTEGUARDCTL:?set ROUTEGUARDCTL to the routeguardctl binary (ctest does)}"
tmp=$(mktemp -d /tmp/routeguard-ready.XXXXXX)
server=""
cleanup() {
	[[ -n $server ]] && kill "$server" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# serve EVALUATIONS READY: answers every GetStatus with that status, until killed.
serve() {
	python3 - "$tmp/sock" "$1" "$2" <<'PY' &
import json, os, socket, sys
path, evaluations, ready = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "true"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path + ".new"); os.rename(path + ".new", path); s.listen(4)
status = {"ready": ready, "mode": "observe", "version": "0", "findings": [], "actions": [],
          "counters": {"evaluations": evaluations}, "netstate": {}}
while True:
    c, _ = s.accept()
    buf = b""
    while not buf.endswith(b"\0"):
        chunk = c.recv(4096)
        if not chunk:
            break
        buf += chunk
    if buf:
        c.sendall(json.dumps({"parameters": status}).encode() + b"\0")
    c.close()
PY
	server=$!
	for _ in $(seq 100); do [[ -S $tmp/sock ]] && return 0; sleep 0.05; done
	fail "the stand-in server did not start"
}

# expect_ready CODE TEXT: routeguardctl ready exits CODE and prints a line containing TEXT.
expect_ready() {
	local rc=0 out
	out=$("$ROUTEGUARDCTL" --socket "$tmp/sock" ready) || rc=$?
	((rc == $1)) || fail "ready exited $rc, expected $1: $out"
	[[ $out == *"$2"* ]] || fail "ready said '$out', expected '$2'"
	echo "ok: exit $rc: $out"
}

serve 0 false
expect_ready 2 "unknown"
kill "$server"; wait "$server" 2>/dev/null || true; rm -f "$tmp/sock"

serve 1 false
expect_ready 1 ""
kill "$server"; wait "$server" 2>/dev/null || true; rm -f "$tmp/sock"

serve 3 true
expect_ready 0 ""
echo "PASS"
