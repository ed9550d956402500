#!/usr/bin/env bash
# Issue 13: when the answer to a delete is lost (the read timed out, or the socket overran), the
# outcome is unknown: the daemon must count it neither removed nor failed, read the kernel's links
# again and decide again, and end where the kernel is, with no alert said twice. A quiet socket
# loses nothing on its own, so tests/tools/ack-fault.c makes the loss:
#   timeout-getlink  the answer to the check before the delete never comes: nothing was deleted,
#                    and the device must still be removed (by the next decision, without any
#                    other event to prompt it)
#   enobufs-delete   the delete went out, the read of its answer fails with ENOBUFS: the device is
#                    gone, but no removal was heard of, so none is reported
source "$(dirname "$0")/lib.sh"
netns_setup lost
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1

resyncs() {
	model_dump
	model_field '["counters"]["resyncs"]'
}

step "the answer to the pre-delete check is lost: flannel.1 is decided again and removed"
# Present before the start, flannel.1 is decided by an evaluation and goes to a sender thread,
# which checks it with RTM_GETLINK first (one made while the daemon runs may be deleted from the
# loop, without that check: the second step).
flannel_vxlan "$NS" --down
daemon_start_with_fault timeout-getlink
wait_ready
before=0
wait_until 10 "flannel.1 removed after the lost answer" link_absent flannel.1
grep -q "ack-fault: timing out the first RTM_GETLINK" "$TMP/daemon.log" ||
	fail "no answer was lost: the test proved nothing"
grep -q "No answer to the delete of flannel.1; resyncing links and deciding again" "$TMP/daemon.log" ||
	fail "the lost answer was not noticed"
wait_until 5 "flannel.1 reported removed" grep -q "alert: action flannel-device flannel.1 removed" "$TMP/daemon.log"
wait_until 5 "the links were read again" test "$(resyncs)" -gt "$before"
((($(alerts_in_log "action .* failed")) == 0)) || fail "a lost answer was reported as a failure"
((($(alerts_in_log "action flannel-device flannel.1 removed")) == 1)) || fail "the removal was reported more than once"
((($(alerts_in_log "opened flannel-device flannel.1")) == 1)) || fail "the finding was opened more than once"
expect_findings
daemon_stop || fail "routeguardd exited with an error"

step "the answer to the delete itself is lost: flannel.1 is gone, no removal is claimed"
: >"$TMP/daemon.log"
: >"$TMP/notify.log"
rm -rf "$TMP/state"
daemon_start_with_fault enobufs-delete
wait_ready
before=$(resyncs)
flannel_vxlan "$NS" --down
wait_until 10 "flannel.1 deleted" link_absent flannel.1
wait_until 5 "the lost answer noticed" grep -q "No answer to the delete of flannel.1; resyncing links and deciding again" "$TMP/daemon.log"
grep -q "ack-fault: losing the answer (ENOBUFS) to the first RTM_DELLINK" "$TMP/daemon.log" ||
	fail "no answer was lost: the test proved nothing"
wait_until 5 "the links were read again" test "$(resyncs)" -gt "$before"
expect_findings
expect_model_matches "after the lost answer the mirror equals the kernel"
# A later device proves the evaluation after the loss has run, and that the sender whose socket
# still holds the stale answer reads its next answer right (the stale one has an old sequence).
n link add flannel.2 type vxlan id 2 dstport 8472 nolearning
wait_until 10 "flannel.2 removed" link_absent flannel.2
wait_until 5 "flannel.2 reported removed" grep -q "alert: action flannel-device flannel.2 removed" "$TMP/daemon.log"
((($(alerts_in_log "action flannel-device flannel.1 removed")) == 0)) || fail "a removal was claimed for a lost answer"
((($(alerts_in_log "action .* failed")) == 0)) || fail "a lost answer was reported as a failure"
# Deleted from the loop as it appeared, flannel.1 may be gone before any evaluation saw it: then
# its finding never opens. Either way nothing is said twice, and what opened is resolved.
opened=$(alerts_in_log "opened flannel-device flannel.1")
((opened <= 1)) || fail "the finding was opened $opened times"
((($(alerts_in_log "resolved flannel-device flannel.1")) == opened)) || fail "the finding was opened $opened times but not resolved as often"
echo "PASS"
