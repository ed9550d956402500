#!/usr/bin/env bash
# The main job on a simulated node, in a network namespace of its own:
#   sudo tests/demo.sh
# Builds what it needs; makes a node that looks like the incident's (Flannel's flannel.1, cni0 and
# routes, Cilium's cilium_vxlan in tunnel mode, K3s still on Flannel, a stale 10-flannel.conflist);
# runs routeguardd on it in observe mode, then enforce mode; runs preflight for the Helm values.
# Everything it makes is deleted on exit, even on ^C.
set -euo pipefail
cd "$(dirname "$(realpath "$0")")/.."
[[ $(id -u) == 0 ]] || { echo "tests/demo.sh: run as root (network namespaces): sudo tests/demo.sh" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }

say "building (tests/install-deps.sh, cmake --preset default)"
tests/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" >/dev/null
ROUTEGUARDD=$PWD/build/default/routeguardd
ROUTEGUARDCTL=$PWD/build/default/routeguardctl
export ROUTEGUARDD ROUTEGUARDCTL
source tests/netns/lib.sh
netns_setup demo
PEERS=(192.168.1.3)

say "a K3s node after a half-done Flannel-to-Cilium migration (namespace $NS, files in $TMP)"
host_dirs
l2_nic
forwarding 1
flannel_node "$NS" --nic eth0 --mtu 1450 --pods 0
n link add cilium_vxlan type vxlan external dstport 8472
n link add cilium_host type veth peer name cilium_net
printf 'disable-network-policy: true\ndisable-kube-proxy: true\n# flannel-backend: none  <- forgotten\n' >"$TMP/k3s/config.yaml"
flannel_conflist "$TMP/cni/agent-net.d"
cilium_conflist "$TMP/cni/net.d"
ip -n "$NS" -br link | grep -v "^lo"
echo "K3s config: $(grep -v '^#' "$TMP/k3s/config.yaml" | tr '\n' ' ')"
echo "CNI files:  $(cd "$TMP/cni" && ls */*)"

say "routeguardd in observe mode: it reports, it touches nothing"
show "routeguardctl status"
daemon_start
wait_ready
ctl status || true

say "switch to enforce: edit routeguard.yaml, then reload"
sed -i 's/^mode: observe$//' "$TMP/routeguard.yaml"
echo "mode: enforce" >>"$TMP/routeguard.yaml"
show "routeguardctl reload"
ctl reload
wait_until 5 "flannel.1 removed" link_absent flannel.1
wait_until 5 "cni0 removed" link_absent cni0
wait_until 5 "the conflist quarantined" test ! -e "$TMP/cni/agent-net.d/10-flannel.conflist"
expect_findings "cilium-tunnel-mode cilium_vxlan" "k3s-flannel-enabled flannel-backend" >/dev/null
show "ip -br link"
ip -n "$NS" -br link | grep -v "^lo"
show "ls quarantine"
ls "$TMP/quarantine"

say "what is left is not routeguard's to fix: Cilium's mode and K3s's configuration"
show "routeguardctl status"
ctl status || true
show "routeguardctl ready    # the one line node-problem-detector and probes read"
ctl ready || true

say "the journal alerts, as they would reach journalctl -u routeguard (here on stderr)"
grep "alert:" "$TMP/daemon.log" | cut -c1-150

say "preflight: the Cilium Helm values that fit this node"
show "routeguardctl preflight"
expect_preflight_text() { ip netns exec "$NS" "$ROUTEGUARDCTL" preflight --config "$TMP/routeguard.yaml" --debug-host-root "$TMP/root"; }
expect_preflight_text || true

say "done: the namespace and files are removed on exit"
