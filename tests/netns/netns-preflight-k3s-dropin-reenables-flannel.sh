#!/usr/bin/env bash
# config.yaml says flannel-backend: none, but a drop-in later in the order says vxlan: K3s runs
# Flannel. Preflight must catch it and name the drop-in.
source "$(dirname "$0")/lib.sh"
netns_setup dropin
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
printf 'flannel-backend: vxlan\n' >"$TMP/k3s/config.yaml.d/90-legacy.yaml"
printf 'flannel-backend: none\n' >"$TMP/k3s/config.yaml.d/10-early.yaml"

expect_preflight 1 "k3s-flannel-enabled flannel-backend"
grep -q "90-legacy.yaml:1" "$TMP/preflight.json" || fail "the message does not name the drop-in"

rm "$TMP/k3s/config.yaml.d/90-legacy.yaml"
expect_preflight 0
echo "PASS"
