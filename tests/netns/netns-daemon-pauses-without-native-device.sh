#!/usr/bin/env bash
# Issue 13: with no native device known (its default route gone, no peers), nothing says which
# device must stay, so no device is removed until one is known again.
source "$(dirname "$0")/lib.sh"
netns_setup native
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1
daemon_start
wait_ready
expect_findings

step "the default route goes: native-device-missing, and flannel.1 is left alone"
n route del default
expect_findings "native-device-missing auto"
flannel_vxlan "$NS" --down
expect_findings "native-device-missing auto" "flannel-device flannel.1"
sleep 2
n link show flannel.1 >/dev/null || fail "flannel.1 was removed while no native device was known"

step "the default route is back: flannel.1 goes"
n route add default via 192.168.1.1
wait_until 5 "flannel.1 removed" link_absent flannel.1
expect_findings
n link show eth0 >/dev/null || fail "the native device was touched"
echo "PASS"
