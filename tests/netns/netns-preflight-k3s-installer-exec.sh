#!/usr/bin/env bash
# A server installed with INSTALL_K3S_EXEC="server --flannel-backend none …" (the space form of
# the K3s docs): the flags are the unit's ExecStart=, read through the installer's quoting and
# continuation lines. Preflight names the unit line; the 2021-2025 unit shape reads the same; a
# boolean flag given a separate "true" stops K3s's flag parsing, so the backend after it is never
# applied. Also: the Helm values' overlap warning ignores pod addresses, and JSON carries it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3sexec
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s server --flannel-backend none --disable-network-policy --disable=traefik --disable-kube-proxy
installer_env k3s K3S_TOKEN=K10abc::server:secret

expect_preflight 0
[[ $(k3s_json '["role"]') == server ]] || fail "role is not server"
[[ $(k3s_json '["flannel-backend"]') == none ]] || fail "flannel-backend is not none"
[[ $(k3s_json '["flannel-backend-source"]') == "k3s.service: ExecStart" ]] || fail "the source is not the unit line"
[[ $(k3s_json '["containerd-cni-dir"]') == /etc/cni/net.d ]] || fail "containerd reads /etc/cni/net.d with Flannel off"
preflight_text
grep -q "flannel        none (k3s.service: ExecStart)" "$TMP/preflight.txt" || fail "the text does not name the unit line"
grep -q "1. /etc/systemd/system/k3s.service  (unit)" "$TMP/preflight.txt" || fail "sources: the unit is not first"
grep -q "/etc/systemd/system/k3s.service.env  (environment file)" "$TMP/preflight.txt" || fail "sources: no env file"
grep -q "/etc/default/k3s  (environment file, absent (optional))" "$TMP/preflight.txt" || fail "sources: %N not expanded"

step "the 2021-2025 unit (nm-cloud-setup ExecStartPre=) reads the same"
NM_CLOUD_SETUP=1 installer_unit k3s server --flannel-backend none --disable-network-policy --disable=traefik --disable-kube-proxy
grep -q nm-cloud-setup "$R/etc/systemd/system/k3s.service" || fail "fixture: no nm-cloud-setup line"
expect_preflight 0

step "pod addresses are no node network; a NIC's address is, in text and JSON alike"
n link add cilium_host type veth peer name cilium_net
n addr add 10.42.0.77/32 dev cilium_host
expect_preflight 0
[[ $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["node-network-overlap"])' "$TMP/preflight.json") == None ]] \
	|| fail "a /32 on cilium_host was taken for the node network"
n link add eth1 type veth peer name eth1-peer
n link set eth1 up
n link set eth1 up
n addr add 10.42.200.1/24 dev eth1
expect_preflight 0
[[ $(python3 -c 'import json,sys; o=json.load(open(sys.argv[1]))["node-network-overlap"]; print(o["node-network"], o["device"])' "$TMP/preflight.json") == "10.42.200.1/24 eth1" ]] \
	|| { cat "$TMP/preflight.json" >&2; fail "the overlap with eth1 is not in the JSON"; }
preflight_text
grep -q "overlaps the node network 10.42.200.1/24 on eth1" "$TMP/preflight.txt" || fail "the text does not name the overlap"
n link del eth1

step "hetzner-k3s trap: '--disable-network-policy' 'true' stops flag parsing"
QUOTE='"' installer_env k3s K3S_TOKEN=secret
installer_unit k3s server --disable-kube-proxy --disable-network-policy true --flannel-backend none
expect_preflight 1 "k3s-flannel-enabled flannel-backend" "k3s-config-invalid /etc/systemd/system/k3s.service"
[[ $(finding_field k3s-config-invalid /etc/systemd/system/k3s.service severity) == warning ]] || fail "the ignored arguments should be a warning"
grep -q "stops reading flags at 'true'" "$TMP/preflight.json" || fail "no word on where parsing stopped"
grep -q "flannel-backend is vxlan (not set: K3s's default)" "$TMP/preflight.json" || fail "the backend should be K3s's default"
echo "PASS"
