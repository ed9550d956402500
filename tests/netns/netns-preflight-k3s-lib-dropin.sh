#!/usr/bin/env bash
# A drop-in in /lib/systemd/system/k3s.service.d resets ExecStart= and turns Flannel off; the same
# file name in /etc masks it; a drop-in that forgot the empty ExecStart= makes systemd refuse the
# unit.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3slibdropin
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s server
installer_env k3s K3S_TOKEN=secret
mkdir -p "$R/lib/systemd/system/k3s.service.d" "$R/etc/systemd/system/k3s.service.d"
printf '[Service]\nExecStart=\nExecStart=%s server --flannel-backend=none --disable-network-policy --disable-kube-proxy\n' \
	"$K3S_BIN" >"$R/lib/systemd/system/k3s.service.d/20-cilium.conf"

expect_preflight 0
[[ $(k3s_json '["flannel-backend-source"]') == "k3s.service.d/20-cilium.conf: ExecStart" ]] || fail "the drop-in is not named"

step "the same name in /etc masks the /lib drop-in: back to K3s's default vxlan"
printf '[Service]\nEnvironment=FOO=1\n' >"$R/etc/systemd/system/k3s.service.d/20-cilium.conf"
expect_preflight 1 "k3s-flannel-enabled flannel-backend" "k3s-kube-proxy-enabled disable-kube-proxy" \
	"k3s-network-policy-enabled disable-network-policy"
rm "$R/etc/systemd/system/k3s.service.d/20-cilium.conf"

step "no empty ExecStart= first: two commands, systemd refuses the unit"
printf '[Service]\nExecStart=%s server --flannel-backend=none --disable-network-policy --disable-kube-proxy\n' \
	"$K3S_BIN" >"$R/lib/systemd/system/k3s.service.d/20-cilium.conf"
expect_preflight 1 "k3s-config-invalid /lib/systemd/system/k3s.service.d/20-cilium.conf"
grep -q "systemd refuses the unit" "$TMP/preflight.json" || fail "no word on systemd's refusal"
echo "PASS"
