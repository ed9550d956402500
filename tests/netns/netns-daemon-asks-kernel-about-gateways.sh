#!/usr/bin/env bash
# routeguardd keeps no connected route outside the native CIDR but the prefix routes of its own
# addresses: whether a pod route's gateway is directly connected is the kernel's answer
# (RTM_GETROUTE, as `ip route get`). A Hetzner Cloud-shaped layer-3 node, whose one on-link
# neighbour (10.0.0.1) comes from a scope-link route the daemon does not keep, and a layer-2 node;
# on each a covering route appears and goes, and the verdict must follow it. READY must already
# carry the answered verdict.
source "$(dirname "$0")/lib.sh"
netns_setup gwq
PEERS=()
host_dirs
forwarding 1

# not_onlink: the subjects of nexthop-not-onlink findings, sorted, on one line.
not_onlink() {
	status_json
	python3 -c 'import json,sys; print(" ".join(sorted(f["subject"] for f in json.load(open(sys.argv[1]))["findings"] if f["check"] == "nexthop-not-onlink")))' "$TMP/status.json"
}

# expect_not_onlink LABEL SUBJECT...: the nexthop-not-onlink findings become exactly these.
expect_not_onlink() {
	local label=$1 deadline=$((SECONDS + 10)) found
	shift
	while ((SECONDS <= deadline)); do
		found=$(not_onlink)
		[[ $found == "$*" ]] && { echo "ok: $label: not on-link: ${*:-none}"; return 0; }
		sleep 0.05
	done
	fail "$label: nexthop-not-onlink findings are '$found', expected '$*'"
}

# kept_route DST: whether the daemon's mirror keeps a route to DST.
kept_route() {
	model_dump
	python3 -c 'import json,sys; m=json.load(open(sys.argv[1])); sys.exit(0 if any(r["dst"] == sys.argv[2] for r in m["routes"]) else 1)' "$TMP/model.json" "$1"
}

step "Hetzner-shaped layer 3: a /32 on the NIC, the gateway by a scope-link route"
n link add enp7s0 type veth peer name hcloud-gw
n link set enp7s0 up
n link set hcloud-gw up
n addr add 10.0.0.2/32 dev enp7s0
n route add 10.0.0.1 dev enp7s0 scope link
n route add 10.0.0.0/16 via 10.0.0.1 dev enp7s0
n route add default via 10.0.0.1 dev enp7s0
# a peer's pod CIDR via the on-link gateway, two via peers behind it (Cilium's direct node routes)
n route add 10.42.1.0/24 via 10.0.0.1 dev enp7s0
n route add 10.42.3.0/24 via 10.0.0.3 dev enp7s0 onlink
n route add 10.42.4.0/24 via 10.0.0.4 dev enp7s0 onlink
[[ $(n route get 10.0.0.1 | head -1) == "10.0.0.1 dev enp7s0 "* ]] || fail "the kernel does not see 10.0.0.1 on-link"

daemon_start
wait_ready
# no wait: the first verdict (READY) came after the kernel's answers
[[ $(not_onlink) == "10.42.3.0/24 10.42.4.0/24" ]] ||
	fail "the verdict at READY is '$(not_onlink)', not the kernel's (10.42.3.0/24 10.42.4.0/24)"
echo "ok: at READY, the pod routes via peers behind the gateway are not on-link, via 10.0.0.1 is"
! kept_route 10.0.0.1/32 || fail "the scope-link route to 10.0.0.1 is kept: it is outside the native CIDR"
expect_model_matches "the mirror keeps what it should"

step "a scope-link route to 10.0.0.3 puts that peer on-link; its removal takes it back"
n route add 10.0.0.3 dev enp7s0 scope link
expect_not_onlink "10.0.0.3 on-link" 10.42.4.0/24
n route del 10.0.0.3 dev enp7s0 scope link
expect_not_onlink "10.0.0.3 behind the gateway again" 10.42.3.0/24 10.42.4.0/24

step "the gateway's own route replaced by one through another router: 10.42.1.0/24 goes off-link"
n route add 10.0.0.254 dev enp7s0 scope link
n route replace 10.0.0.1/32 via 10.0.0.254 dev enp7s0
expect_not_onlink "10.0.0.1 routed" 10.42.1.0/24 10.42.3.0/24 10.42.4.0/24
n route replace 10.0.0.1/32 dev enp7s0 scope link
expect_not_onlink "10.0.0.1 on-link again" 10.42.3.0/24 10.42.4.0/24
daemon_stop

step "layer 2: 10.0.5.0/24 on eth0, pod routes via peers on the segment"
n link del enp7s0
n link add eth0 type veth peer name eth0-peer
n link set eth0 up
n link set eth0-peer up
n addr add 10.0.5.2/24 dev eth0
n route add default via 10.0.5.1
for i in 3 4 5; do n route add 10.42.$i.0/24 via 10.0.5.$i; done
# 1000 scope-link /32s outside the native CIDR, as a BGP or a cloud node may carry: counted only
n -batch - <<<"$(for i in $(seq 0 999); do echo "route add 100.64.$((i / 250)).$((i % 250 + 1)) dev eth0 scope link"; done)"
: >"$TMP/notify.log" # the listener appends: READY=1 of this daemon only
daemon_start
wait_ready
[[ $(not_onlink) == "" ]] || fail "on the layer-2 node, '$(not_onlink)' are reported not on-link at READY"
echo "ok: at READY, the peers on the segment are on-link"
kept_route 10.0.5.0/24 || fail "the prefix route of the node's own address is not kept"
! kept_route 100.64.0.1/32 || fail "scope-link /32s outside the native CIDR are kept"
expect_model_matches "the mirror keeps what it should"

step "a more specific route sends 10.0.5.4 through the router: its pod route goes off-link"
n route add 10.0.5.4/32 via 10.0.5.1
expect_not_onlink "10.0.5.4 routed" 10.42.4.0/24
n route del 10.0.5.4/32 via 10.0.5.1
expect_not_onlink "10.0.5.4 on the segment again"

step "a scope-link route on eth1 takes 10.0.5.4 off eth0; eth1 down flushes it without a word"
n link add eth1 type veth peer name eth1-peer
n link set eth1 up
n link set eth1-peer up
n route add 10.0.5.4/32 dev eth1 scope link
expect_not_onlink "10.0.5.4 on eth1" 10.42.4.0/24
n link set eth1 down # the kernel drops 10.0.5.4/32 silently: only the link's change can re-ask
[[ $(n route get 10.0.5.4 | head -1) == "10.0.5.4 dev eth0 "* ]] || fail "the kernel still routes 10.0.5.4 via eth1"
expect_not_onlink "eth1 down, 10.0.5.4 back on eth0"
echo "PASS"
