#!/usr/bin/env bash
# config.yaml says none; config.yaml.d/90-legacy.yml (a .yml!) says vxlan: K3s runs Flannel, and
# preflight names the .yml file and line. A .txt and a .yaml.bak are not read, and the text says so.
# "node-label+:" appends, a retired key in a server's config is skipped with a warning.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3syml
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_unit k3s server
installer_env k3s K3S_TOKEN=secret
D=$R/etc/rancher/k3s/config.yaml.d
mkdir -p "$D"
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\nnode-label: [a=b]\n' >"$R/etc/rancher/k3s/config.yaml"
printf 'node-label+: [c=d]\n' >"$D/10-labels.yaml"
printf '# left from the Flannel days\nflannel-backend: vxlan\n' >"$D/90-legacy.yml"
printf 'flannel-backend: none\n' >"$D/95-notes.txt"
printf 'flannel-backend: none\n' >"$D/99-old.yaml.bak"

expect_preflight 1 "k3s-flannel-enabled flannel-backend"
grep -q "/etc/rancher/k3s/config.yaml.d/90-legacy.yml:2" "$TMP/preflight.json" || fail "the .yml drop-in is not named"
preflight_text
grep -q "95-notes.txt  (not read: K3s reads only \*.yaml and \*.yml)" "$TMP/preflight.txt" || fail ".txt not listed as not read"
grep -q "99-old.yaml.bak  (not read" "$TMP/preflight.txt" || fail ".bak not listed as not read"

step "without it, ready; a retired no-flannel key would only warn"
rm "$D/90-legacy.yml"
printf 'no-flannel: true\n' >"$D/50-old.yaml"
expect_preflight 0 "k3s-config-invalid /etc/rancher/k3s/config.yaml.d/50-old.yaml"
grep -q "50-old.yaml:1: no-flannel was removed" "$TMP/preflight.json" || fail "the line is not named"
grep -q "use flannel-backend: none" "$TMP/preflight.json" || fail "the modern key is not named"
echo "PASS"
