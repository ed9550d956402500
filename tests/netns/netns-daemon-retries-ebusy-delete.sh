#!/usr/bin/env bash
# Issue 13: EBUSY to a delete is the kernel asking to come back, not a refusal: the delete is
# sent again and nothing reports it failed. The kernel's rtnl_dellink()/rtnl_delete_link() never
# return EBUSY (only -ENODEV, -EINVAL, -EOPNOTSUPP and the like), so it cannot be provoked in a
# namespace: tests/tools/ack-fault.c answers the first RTM_DELLINK with -EBUSY itself, without
# sending it, and only the retry reaches the kernel.
source "$(dirname "$0")/lib.sh"
netns_setup ebusy
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1
daemon_start_with_fault ebusy-delete
wait_ready

step "flannel.1 appears; its first delete is answered EBUSY"
flannel_vxlan "$NS" --down
wait_until 10 "flannel.1 removed" link_absent flannel.1
grep -q "ack-fault: answering -EBUSY to the first RTM_DELLINK" "$TMP/daemon.log" ||
	fail "no EBUSY was injected: the test proved nothing"
wait_until 5 "flannel.1 reported removed" grep -q "alert: action flannel-device flannel.1 removed" "$TMP/daemon.log"
# The injected delete never reached the kernel: the device is gone because it was sent again.
((($(alerts_in_log "action .* failed")) == 0)) || fail "EBUSY reported as a failure: $(grep 'alert: action' "$TMP/daemon.log")"
((($(alerts_in_log "action flannel-device flannel.1 removed")) == 1)) || fail "the removal was reported more than once"
expect_findings
echo "PASS"
