#!/usr/bin/env bash
# shellcheck disable=SC2016 # $K3S_NET_ARGS is written for systemd to expand, not the shell
# Flags through an environment variable: a drop-in runs "k3s server $K3S_NET_ARGS", /etc/default/k3s
# (EnvironmentFile=-/etc/default/%N) sets it; k3s.service.env, read later, wins when it sets it too;
# "${K3S_NET_ARGS}" is one word, a flannel-backend value K3s refuses.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3senvvar
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s server
installer_env k3s K3S_TOKEN=secret
mkdir -p "$R/etc/systemd/system/k3s.service.d" "$R/etc/default"
printf '[Service]\nExecStart=\nExecStart=%s server $K3S_NET_ARGS\n' "$K3S_BIN" >"$R/etc/systemd/system/k3s.service.d/override.conf"
printf 'K3S_NET_ARGS="--flannel-backend=none --disable-network-policy --disable-kube-proxy"\n' >"$R/etc/default/k3s"

expect_preflight 0
[[ $(k3s_json '["flannel-backend-source"]') == "k3s.service.d/override.conf: ExecStart via /etc/default/k3s: K3S_NET_ARGS" ]] \
	|| fail "the source does not name the variable's file"

step "k3s.service.env sets it too and is read later: vxlan"
installer_env k3s K3S_TOKEN=secret K3S_NET_ARGS=--flannel-backend=vxlan
expect_preflight 1 "k3s-flannel-enabled flannel-backend" "k3s-kube-proxy-enabled disable-kube-proxy" \
	"k3s-network-policy-enabled disable-network-policy"
grep -q "via k3s.service.env: K3S_NET_ARGS" "$TMP/preflight.json" || fail "the env file is not named"

step '${K3S_NET_ARGS} is one word'
installer_env k3s K3S_TOKEN=secret
printf '[Service]\nExecStart=\nExecStart=%s server ${K3S_NET_ARGS}\n' "$K3S_BIN" >"$R/etc/systemd/system/k3s.service.d/override.conf"
expect_preflight 1 "k3s-config-invalid /etc/systemd/system/k3s.service.d/override.conf" \
	"k3s-flannel-enabled flannel-backend" \
	"k3s-kube-proxy-enabled disable-kube-proxy" "k3s-network-policy-enabled disable-network-policy"
grep -q "flannel-backend 'none --disable-network-policy --disable-kube-proxy' is none of" "$TMP/preflight.json" || fail "no word on the bad value"
echo "PASS"
