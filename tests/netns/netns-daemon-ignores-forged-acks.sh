#!/usr/bin/env bash
# Issue 13: any local process may send datagrams to a netlink port that is not connected. The
# sockets the daemon's deletes wait on are connected to the kernel, which refuses other senders;
# behind that, only the kernel's answer (sender port 0, our port, our sequence) may count
# (test-rtnl-answer). Forged NLMSG_ERRORs for every plausible sequence (libnl starts a socket's
# sequence at the time it was made) are sent to each request socket while a delete waits: the
# enforcer's nine (eight senders and the loop's) must refuse them, and the daemon must still
# report what the kernel did. Accepted, the forged -EPERM would report the delete "failed", and a
# forged 0 answering the pre-delete check would read as "gone already" and leave the device.
source "$(dirname "$0")/lib.sh"
: "${FORGE_ACKS:?set FORGE_ACKS to the forge-acks tool (ctest does)}"
netns_setup forged
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1
started=$(date +%s)
daemon_start --debug-delete-delay 2000
wait_ready
# Every sequence the senders may use in this test: from their creation on, two per request.
seq_from=$((started - 2))
seq_to=$((started + 1000))

forge() {
	ip netns exec "$NS" "$FORGE_ACKS" "$DAEMON_PID" "$1" "$seq_from" "$seq_to" >"$TMP/ports" ||
		fail "forge-acks could not reach the daemon's request sockets"
	local refused delivered
	refused=$(grep -c '^refused ' "$TMP/ports" || true)
	delivered=$(grep -c '^delivered ' "$TMP/ports" || true)
	((refused >= 9)) ||
		fail "only $refused request sockets refused forged answers, expected the enforcer's 9: $(cat "$TMP/ports")"
	echo "ok: forged answers (error $1) refused by $refused request sockets, delivered to $delivered others"
}

step "forged -EPERM answers while the delete of flannel.1 waits"
flannel_vxlan "$NS" --down
wait_until 5 "the delete of flannel.1 was decided" grep -q "Removing flannel.1" "$TMP/daemon.log"
forge -1
wait_until 10 "flannel.1 removed" link_absent flannel.1
wait_until 5 "flannel.1 reported removed" grep -q "alert: action flannel-device flannel.1 removed" "$TMP/daemon.log"

step "forged 0 answers queued on idle senders, then flannel.2 appears"
forge 0
n link add flannel.2 type vxlan id 2 dstport 8472 nolearning
wait_until 10 "flannel.2 removed" link_absent flannel.2
wait_until 5 "flannel.2 reported removed" grep -q "alert: action flannel-device flannel.2 removed" "$TMP/daemon.log"

step "the daemon reported only what the kernel did"
failed=$(alerts_in_log "action .* failed")
((failed == 0)) || fail "$failed failed actions reported: $(grep 'alert: action' "$TMP/daemon.log")"
grep -q "No answer to the delete" "$TMP/daemon.log" && fail "a forgery made an answer count as lost"
((($(alerts_in_log "action flannel-device flannel.1 removed")) == 1)) || fail "flannel.1 reported more than once"
echo "PASS"
