#!/usr/bin/env bash
# Something keeps recreating flannel.1 (K3s still on Flannel): after recreate-limit removals within
# the window routeguardd stops, raises device-recreated, and resumes when the window has passed.
source "$(dirname "$0")/lib.sh"
netns_setup backoff
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce
enforce: {recreate-limit: {count: 2, window: 4s}}" host_dirs
l2_nic
forwarding 1
daemon_start
wait_ready

for round in 1 2; do
	flannel_vxlan "$NS" --down
	wait_until 5 "flannel.1 removed (round $round)" link_absent flannel.1
done
step "the third time it stays, and device-recreated says why"
flannel_vxlan "$NS" --down
expect_findings "device-recreated flannel.1" "flannel-device flannel.1"
status_has '[f for f in s["findings"] if f["check"] == "flannel-device" and f["action"] == "backoff"]' ||
	fail "flannel-device is not in backoff"
sleep 1
n link show flannel.1 >/dev/null || fail "flannel.1 was removed during the backoff"

step "after the window, removal resumes without any event to trigger it"
wait_until 10 "flannel.1 removed after the window" link_absent flannel.1
expect_findings
echo "PASS"
