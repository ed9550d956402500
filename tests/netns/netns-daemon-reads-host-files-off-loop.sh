#!/usr/bin/env bash
# A slow read of the host's files never stalls the loop (issue 13): 16 K3s drop-ins of 1 MiB each
# (under every parser limit, a fifth of a second each to parse) take seconds to read; meanwhile
# GetStatus answers in milliseconds, and the facts read then reach the verdict.
source "$(dirname "$0")/lib.sh"
netns_setup offloop
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
daemon_start
wait_ready
expect_findings

step "16 drop-ins of 1 MiB, one of them turning Flannel back on"
mkdir "$TMP/stage"
python3 - "$TMP/stage" <<'PY'
import sys
# One key K3s does not know, one list in a list: 500k nodes to parse, one flag to evaluate.
body = "x-big: [[" + "a," * ((1024 * 1024 - 64) // 2) + "a]]\n"
for i in range(16):
    with open(f"{sys.argv[1]}/{i + 10:02d}-big.yaml", "w") as f:
        f.write(body)
with open(f"{sys.argv[1]}/90-legacy.yaml", "w") as f:
    f.write("flannel-backend: vxlan\n")
PY
mv "$TMP"/stage/*.yaml "$TMP/k3s/config.yaml.d/"

python3 - "$TMP/routeguard.sock" "$NETNS_DIR" <<'PY' || fail "GetStatus stalled while the host's files were read"
import os, sys, time
sys.path.insert(0, sys.argv[2])
from varlink_client import Client
worst, calls, end = 0.0, 0, time.monotonic() + 5.0
while time.monotonic() < end:
    c = Client(sys.argv[1])
    _, seconds = c.timed_call("io.routeguard.GetStatus")
    c.close()
    worst, calls = max(worst, seconds), calls + 1
    time.sleep(0.02)
print(f"ok: {calls} GetStatus calls over 5 s while the drop-ins were read, slowest {worst * 1000:.1f} ms")
sys.exit(0 if worst < 0.5 else 1)
PY
grep -q "takes more than 2 s" "$TMP/daemon.log" || fail "the read was not slow: the test proves nothing"
echo "ok: $(grep -m1 "takes more than 2 s" "$TMP/daemon.log")"
# the facts read in the thread reach the verdict once the reading ends (slower under ASan)
wait_until 120 "the drop-in's finding" status_has \
	'any(f["check"] == "k3s-flannel-enabled" and "90-legacy.yaml" in f["message"] for f in s["findings"])'
echo "ok: k3s-flannel-enabled names 90-legacy.yaml"
rm "$TMP"/k3s/config.yaml.d/*.yaml
expect_findings
echo "PASS"
