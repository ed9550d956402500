#!/usr/bin/env bash
# A quarantine move never stalls the loop (issue 13): with the quarantine on a mount that never
# answers (a hung NFS or FUSE mount), the move stages the file and then waits in the kernel for as
# long as the mount hangs; meanwhile GetStatus answers in milliseconds. When the mount fails, the
# move's failure is announced from the loop and the file is back under its own name.
source "$(dirname "$0")/lib.sh"
netns_setup qoffloop
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1
CNI=$TMP/cni/net.d
mkdir -p "$TMP/quarantine" "$TMP/new"
daemon_start
wait_ready
expect_findings

step "the quarantine on a mount that never answers, and a Flannel conflist to move there"
fuse_stuck "$TMP/quarantine"
flannel_conflist "$TMP/new"
mv "$TMP/new/10-flannel.conflist" "$CNI/"
wait_until 10 "the move started" grep -q "Moving $CNI/10-flannel.conflist to $TMP/quarantine" "$TMP/daemon.log"
# Staged beside itself (same filesystem), then stuck creating its copy in the quarantine.
wait_until 10 "the file was staged" sh -c "ls -a '$CNI' | grep -q '^\.10-flannel\.conflist\.routeguard-'"
echo "ok: staged as $(ls -a "$CNI" | grep routeguard-)"

python3 - "$TMP/routeguard.sock" "$NETNS_DIR" <<'PY' || fail "GetStatus stalled while a move was stuck"
import sys, time
sys.path.insert(0, sys.argv[2])
from varlink_client import Client
worst = 0.0
for _ in range(20):
    c = Client(sys.argv[1])
    reply, seconds = c.timed_call("io.routeguard.GetStatus")
    c.close()
    worst = max(worst, seconds)
    assert "parameters" in reply, reply
print(f"ok: 20 GetStatus calls while the move waited in the kernel, slowest {worst * 1000:.1f} ms")
sys.exit(0 if worst < 0.5 else 1)
PY
# Still in progress after those answers: the move waits on the mount, not on the loop.
ls -a "$CNI" | grep -q '^\.10-flannel\.conflist\.routeguard-' || fail "the move ended while the mount hung"
grep -q "alert: action cni-conflist-conflict $CNI/10-flannel.conflist" "$TMP/daemon.log" &&
	fail "a result was announced while the move was stuck"

step "the mount fails: the move's failure is announced from the loop, the file is back"
fuse_release
wait_until 10 "the failed move was announced" grep -q "alert: action cni-conflist-conflict $CNI/10-flannel.conflist failed.*not connected" "$TMP/daemon.log"
echo "ok: $(grep -m1 "alert: action cni-conflist-conflict $CNI/10-flannel.conflist failed" "$TMP/daemon.log")"
grep -q '"flannel"' "$CNI/10-flannel.conflist" || fail "the file is not back under its own name"
ls -a "$CNI" | grep -q routeguard- && fail "a staging name was left in $CNI"
status_has 'any(a["subject"].endswith("/10-flannel.conflist") and a["result"] == "failed" for a in s["actions"])' ||
	fail "the status shows no failed action for the move"
echo "PASS"
