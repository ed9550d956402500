#!/usr/bin/env bash
# A node in the middle of Cilium's per-node migration ("Migrating a cluster to Cilium"): Flannel's
# flannel.1 on UDP 8472, Cilium's second overlay cilium_vxlan on 8473, pods on both cni0 and lxc*.
# It is "migrating"; in enforce mode Flannel's devices stay, Cilium's tunnel mode is a warning,
# the node is not ready, and preflight names the step of the guide.
source "$(dirname "$0")/lib.sh"
netns_setup migrating
PEERS=(192.168.1.3)
EXTRA_YAML="metrics: {textfile: $TMP/metrics/routeguard.prom}" host_dirs
sed -i '/^metrics: {textfile: ""}$/d' "$TMP/routeguard.yaml"
mkdir -p "$TMP/metrics"
l2_nic
forwarding 1
n link add flannel.1 type vxlan id 1 local 192.168.1.2 dev eth0 dstport 8472 nolearning
n link set flannel.1 up
n link add cilium_vxlan type vxlan external dstport 8473
n link set cilium_vxlan up
n link add cilium_host type veth peer name cilium_net
n link set cilium_host up
n link set cilium_net up
n link add cni0 type bridge
n link set cni0 up
n link add vethpod1 type veth peer name p1
n link set vethpod1 master cni0 up
n link add lxc1234abcd type veth peer name p2
n link set lxc1234abcd up
n link set p1 up
n link set p2 up

step "preflight: migrating, and which step of the guide"
expect_preflight 1 "cilium-tunnel-mode cilium_vxlan" "flannel-device cni0" "flannel-device flannel.1"
[[ $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phase"])' "$TMP/preflight.json") == migrating ]] ||
	fail "preflight's phase is not migrating"
ip netns exec "$NS" "$ROUTEGUARDCTL" --no-color preflight --config "$TMP/routeguard.yaml" \
	--debug-host-root "$TMP/root" >"$TMP/preflight.txt" || true
grep -q "^  phase          migrating$" "$TMP/preflight.txt" || fail "no phase line"
grep -q "^  migration step the node has switched to Cilium (new pods on lxc\*) but pods remain on cni0" "$TMP/preflight.txt" ||
	fail "no migration step: $(grep -A1 phase "$TMP/preflight.txt")"

step "the daemon in enforce mode keeps Flannel's devices"
echo "mode: enforce" >>"$TMP/routeguard.yaml"
echo "enforce: {bridge-with-ports: remove}" >>"$TMP/routeguard.yaml"
daemon_start
wait_ready
expect_findings "cilium-tunnel-mode cilium_vxlan" "flannel-device cni0" "flannel-device flannel.1"
status_has 's["phase"] == "migrating"' || fail "the phase is not migrating"
status_has 'all(f["action"] == "pending" for f in s["findings"] if f["check"] == "flannel-device")' ||
	fail "Flannel's devices are not pending"
status_has '[f for f in s["findings"] if f["check"] == "cilium-tunnel-mode" and f["severity"] == "warning"]' ||
	fail "tunnel mode is not a warning while migrating"
ctl reconcile >/dev/null || true
sleep 1
n link show flannel.1 >/dev/null || fail "flannel.1 was removed while the node migrates"
n link show cni0 >/dev/null || fail "cni0 was removed while pods are attached"
status=0
ctl ready >"$TMP/ready.txt" || status=$?
((status == 1)) || fail "ready exited $status, expected 1"
grep -q "^not ready: 2 errors" "$TMP/ready.txt" || fail "ready said: $(cat "$TMP/ready.txt")"
wait_until 5 "the phase metric" grep -q '^routeguard_phase{phase="migrating"} 1$' "$TMP/metrics/routeguard.prom"
grep -q '^routeguard_phase{phase="native"} 0$' "$TMP/metrics/routeguard.prom" || fail "native is not 0"

step "the last Flannel pod goes: still migrating (the second overlay), flannel.1 still kept"
n link set vethpod1 nomaster
wait_until 5 "cni0 without pods" status_has '[f for f in s["findings"] if f["subject"] == "cni0" and "pod(s)" not in f["message"]]'
sleep 0.5
n link show flannel.1 >/dev/null || fail "flannel.1 was removed while the node migrates"
status_has 's["phase"] == "migrating"' || fail "the phase is not migrating"

step "flannel.1 made again while the daemon runs (K3s restarting Flannel): still kept"
# A device matching devices.remove may be deleted straight from the netlink handler, before the
# evaluation; beside Cilium's overlay that must wait for the evaluation, which knows the phase.
n link del flannel.1
wait_until 5 "flannel.1 gone from the findings" status_has '[f for f in s["findings"] if f["subject"] == "flannel.1"] == []'
n link add flannel.1 type vxlan id 1 local 192.168.1.2 dev eth0 dstport 8472 nolearning
wait_until 5 "flannel.1 back in the findings" status_has '[f for f in s["findings"] if f["subject"] == "flannel.1"]'
sleep 0.5
n link show flannel.1 >/dev/null || fail "flannel.1 was removed as it came back during the migration"
echo "PASS"
