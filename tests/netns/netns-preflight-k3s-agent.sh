#!/usr/bin/env bash
# An agent installed with K3S_URL: k3s-agent.service and k3s-agent.service.env. Its Flannel backend
# is the servers' ("decided by the servers"); the CNI directory containerd reads comes from the
# containerd config K3s rendered; a Flannel conflist where containerd does not look is a warning,
# where it looks an error; a server key in the agent's config.yaml makes K3s refuse to start.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3sagent
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s-agent agent --node-ip 10.0.1.5
installer_env k3s-agent K3S_URL=https://10.0.0.2:6443 K3S_TOKEN=secret
printf 'flannel-iface: eth1\n' >"$R/etc/rancher/k3s/config.yaml"
K3SDIR=$R/var/lib/rancher/k3s/agent/etc/cni/net.d
echo '{"name":"cbr0","cniVersion":"1.0.0","plugins":[{"type":"flannel"},{"type":"portmap"}]}' >"$K3SDIR/10-flannel.conflist"

step "containerd not started yet: the directory is unknown, the conflist an error"
expect_preflight 1 "cni-conflist-conflict $K3SDIR/10-flannel.conflist"
[[ $(k3s_json '["role"]') == agent ]] || fail "role is not agent"
[[ $(k3s_json '["flannel-backend"]') == "decided by the servers" ]] || fail "an agent printed a backend"
preflight_text
grep -q "flannel        decided by the servers" "$TMP/preflight.txt" || fail "the text prints a backend for an agent"
grep -q "/etc/systemd/system/k3s-agent.service.env  (environment file)" "$TMP/preflight.txt" || fail "the agent's env file is not k3s-agent.service.env"

step "A: config.toml without conf_dir: containerd reads /etc/cni/net.d, the conflist is a warning"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  snapshotter = "overlayfs"\n' \
	>"$R/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
expect_preflight 0 "cni-conflist-conflict $K3SDIR/10-flannel.conflist"
[[ $(finding_field cni-conflist-conflict "$K3SDIR/10-flannel.conflist" severity) == warning ]] || fail "should be a warning"
grep -q "containerd does not read" "$TMP/preflight.json" || fail "the message does not say why"
[[ $(k3s_json '["containerd-cni-dir"]') == /etc/cni/net.d ]] || fail "containerd's default not reported"

step "B: conf_dir is K3s's own directory: the conflist is an error"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri".cni]\n  bin_dir = "/var/lib/rancher/k3s/data/x/bin"\n  conf_dir = "/var/lib/rancher/k3s/agent/etc/cni/net.d"\n' \
	>"$R/var/lib/rancher/k3s/agent/etc/containerd/config.toml"
expect_preflight 1 "cni-conflist-conflict $K3SDIR/10-flannel.conflist"
[[ $(k3s_json '["containerd-cni-dir"]') == /var/lib/rancher/k3s/agent/etc/cni/net.d ]] || fail "conf_dir not reported"

step "C: flannel-backend in the agent's config.yaml: k3s agent refuses it"
rm "$K3SDIR/10-flannel.conflist"
printf 'flannel-iface: eth1\nflannel-backend: none\n' >"$R/etc/rancher/k3s/config.yaml"
expect_preflight 1 "k3s-config-invalid /etc/rancher/k3s/config.yaml"
grep -q "/etc/rancher/k3s/config.yaml:2: flannel-backend is a server flag" "$TMP/preflight.json" || fail "the line is not named"
grep -q "k3s agent refuses to start" "$TMP/preflight.json" || fail "no word on the refusal"
echo "PASS"
