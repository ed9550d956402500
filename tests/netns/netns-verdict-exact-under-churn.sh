#!/usr/bin/env bash
# The verdict is kept incrementally (routes indexed by prefix, gateways' verdicts recomputed only
# when a route covering them changes, counts instead of walks): under churn it must stay what a
# fresh evaluation of the same node says (routeguardctl preflight on its own dump), and the mirror
# must equal the kernel. Peers' pod routes via on-link gateways, some via a gateway behind a router;
# pods come and go; a more specific connected route takes gateways off the NIC and gives them
# back; a device goes down (the model does the kernel's silent IPv4 flush) and comes back.
source "$(dirname "$0")/lib.sh"
netns_setup churn
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
n link add eth1 type veth peer name eth1-peer
n link set eth1 up
n link set eth1-peer up
n addr add 172.16.0.2/24 dev eth1
# 100 peers' pod CIDRs via on-link gateways, 5 via a gateway that is reached through a router
n -batch - <<<"$(for i in $(seq 2 101); do echo "route add 10.42.$i.0/24 via 192.168.1.$i dev eth0"; done)"
n route add 10.99.0.0/16 via 192.168.1.1
n -batch - <<<"$(for i in $(seq 150 154); do echo "route add 10.42.$i.0/24 via 10.99.0.1 dev eth0 onlink"; done)"

# expect_verdict_exact LABEL: the daemon's findings equal preflight's, and its mirror the kernel.
expect_verdict_exact() {
	local deadline=$((SECONDS + 10)) daemon preflight
	: "${ROUTEGUARDCTL:?set ROUTEGUARDCTL to the routeguardctl binary (ctest does)}"
	while ((SECONDS <= deadline)); do
		status_json
		daemon=$(python3 -c 'import json,sys; [print(f["check"], f["subject"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/status.json" | sort)
		ip netns exec "$NS" "$ROUTEGUARDCTL" preflight --config "$TMP/routeguard.yaml" --json \
			--debug-host-root "$TMP/root" >"$TMP/preflight.json" 2>"$TMP/preflight.err" || true
		[[ -s $TMP/preflight.json ]] || fail "preflight gave no JSON: $(cat "$TMP/preflight.err")"
		preflight=$(python3 -c 'import json,sys; [print(f["check"], f["subject"]) for f in json.load(open(sys.argv[1]))["findings"]]' "$TMP/preflight.json" | sort)
		if [[ $daemon == "$preflight" ]]; then
			echo "ok: $1: the verdict equals a fresh evaluation ($(wc -l <<<"$daemon") findings)"
			expect_model_matches "$1"
			return 0
		fi
		sleep 0.1
	done
	diff <(echo "$daemon") <(echo "$preflight") >&2 || true
	fail "$1: routeguardd's verdict differs from a fresh evaluation (< daemon, > preflight)"
}

daemon_start
wait_ready
expect_verdict_exact "start"
status_has 'len([f for f in s["findings"] if f["check"] == "nexthop-not-onlink"]) == 5' ||
	fail "the 5 pod routes via the routed gateway are not reported"

step "pods come and go, three times"
for round in 1 2 3; do
	n -batch - <<<"$(for i in $(seq 1 60); do
		echo "link add lxc$i type veth peer name pod$i"
		echo "link set lxc$i up"
		echo "route add 10.42.0.$i/32 dev lxc$i"
	done)"
	n -batch - <<<"$(for i in $(seq 1 60); do echo "link del lxc$i"; done)"
done
expect_verdict_exact "after pod churn"

step "a more specific connected route on eth1 takes ten gateways off eth0, then gives them back"
n route add 192.168.1.0/28 dev eth1
expect_verdict_exact "gateways moved to eth1"
status_has 'len([f for f in s["findings"] if f["check"] == "nexthop-not-onlink"]) > 5' ||
	fail "gateways that moved off the native device are not reported"
n route del 192.168.1.0/28 dev eth1
expect_verdict_exact "gateways back on eth0"

step "the router's route goes, comes back on-link"
n route del 10.99.0.0/16 via 192.168.1.1
n route add 10.99.0.0/16 dev eth0
expect_verdict_exact "routed gateway now on-link"
status_has 'len([f for f in s["findings"] if f["check"] == "nexthop-not-onlink"]) == 0' ||
	fail "on-link gateways still reported"

step "eth1 down (its IPv4 routes flushed silently) and up again"
n route add 10.42.200.0/24 via 172.16.0.1 dev eth1
expect_verdict_exact "pod route via eth1"
status_has '[f for f in s["findings"] if f["check"] == "nexthop-not-onlink" and f["subject"] == "10.42.200.0/24"]' ||
	fail "the pod route via a gateway on eth1 is not reported"
n link set eth1 down
expect_verdict_exact "eth1 down"
n link set eth1 up
n route add 10.42.200.0/24 via 172.16.0.1 dev eth1
expect_verdict_exact "eth1 up"

step "pod routes replaced by routes via other gateways"
n -batch - <<<"$(for i in $(seq 2 40); do echo "route replace 10.42.$i.0/24 via 10.99.0.$i dev eth0 onlink"; done)"
expect_verdict_exact "routes replaced"
n -batch - <<<"$(for i in $(seq 2 40); do echo "route del 10.42.$i.0/24"; done)"
expect_verdict_exact "routes deleted"
echo "PASS"
