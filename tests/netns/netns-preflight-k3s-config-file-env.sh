#!/usr/bin/env bash
# K3S_CONFIG_FILE in the installer's env file chooses the config file: its .YML drop-in counts
# (any case), YAML 1.1 yes/on are booleans, and /etc/rancher/k3s/config.yaml is not read at all.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3scfgenv
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s server
installer_env k3s K3S_TOKEN=secret K3S_CONFIG_FILE=/opt/k3s/k3s.yaml
mkdir -p "$R/opt/k3s/k3s.yaml.d"
printf 'flannel-backend: none\n' >"$R/opt/k3s/k3s.yaml"
printf 'disable-kube-proxy: yes\ndisable-network-policy: on\n' >"$R/opt/k3s/k3s.yaml.d/50-net.YML"
printf 'flannel-backend: vxlan\n' >"$R/etc/rancher/k3s/config.yaml" # a decoy

expect_preflight 0
[[ $(k3s_json '["config-file"]') == /opt/k3s/k3s.yaml ]] || fail "the config file is not K3S_CONFIG_FILE's"
[[ $(k3s_json '["config-file-source"]') == "k3s.service.env: K3S_CONFIG_FILE" ]] || fail "the choice does not name the env file"
[[ $(k3s_json '["flannel-backend-source"]') == /opt/k3s/k3s.yaml:1 ]] || fail "the backend's source is not file:line"

step "the env file's name follows the unit; without the variable the default file is read"
installer_env k3s K3S_TOKEN=secret
expect_preflight 1 "k3s-flannel-enabled flannel-backend" "k3s-kube-proxy-enabled disable-kube-proxy" \
	"k3s-network-policy-enabled disable-network-policy"
grep -q "flannel-backend is vxlan (/etc/rancher/k3s/config.yaml:1)" "$TMP/preflight.json" || fail "the decoy is not named"

step "a config file named but missing: K3s goes on without it, preflight warns"
installer_env k3s K3S_TOKEN=secret K3S_CONFIG_FILE=/opt/k3s/missing.yaml
expect_preflight 1 "k3s-flannel-enabled flannel-backend" "k3s-kube-proxy-enabled disable-kube-proxy" \
	"k3s-network-policy-enabled disable-network-policy" "k3s-config-invalid /opt/k3s/missing.yaml"
[[ $(finding_field k3s-config-invalid /opt/k3s/missing.yaml severity) == warning ]] || fail "a missing file is a warning"
echo "PASS"
