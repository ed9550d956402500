#!/usr/bin/env bash
# The main job on a simulated node, in a network namespace of its own:
#   sudo tests/demo.sh
# Builds what it needs, makes a node that looks like the incident's (Flannel's flannel.1 and cni0,
# Flannel's routes, Cilium's cilium_vxlan in tunnel mode), runs routeguardd on it and shows its
# exact mirror of the kernel following changes. Everything it makes is deleted on exit, even on ^C.
set -euo pipefail
cd "$(dirname "$(realpath "$0")")/.."
[[ $(id -u) == 0 ]] || { echo "tests/demo.sh: run as root (network namespaces): sudo tests/demo.sh" >&2; exit 1; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "building (tests/install-deps.sh, cmake --preset default)"
tests/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default -j"$(nproc)" >/dev/null
ROUTEGUARDD=$PWD/build/default/routeguardd
export ROUTEGUARDD
source tests/netns/lib.sh
netns_setup demo

say "a K3s node on Hetzner after a half-done Flannel-to-Cilium migration (namespace $NS)"
n link add enp7s0 type veth peer name hetzner-net
n link set enp7s0 mtu 1450 up
n link set hetzner-net up
n addr add 10.0.0.2/32 dev enp7s0
n route add 10.0.0.1 dev enp7s0 scope link
n route add 10.0.0.0/16 via 10.0.0.1 dev enp7s0 onlink
n route add default via 10.0.0.1 dev enp7s0 onlink
n link add flannel.1 type vxlan id 1 dstport 8472 nolearning local 10.0.0.2 dev enp7s0
n link set flannel.1 mtu 1400 up
n addr add 10.42.0.0/32 dev flannel.1
n link add cni0 type bridge
n link set cni0 up
n addr add 10.42.0.1/24 dev cni0
n link add veth-pod1 type veth peer name pod1
n link set veth-pod1 master cni0 up
n route add 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink
n route add 10.42.2.0/24 via 10.42.2.0 dev flannel.1 onlink
n link add cilium_vxlan type vxlan external dstport 8472
n -batch - <<<"$(for i in $(seq 0 9999); do echo "route add 100.64.$((i / 250)).$((i % 250))/32 via 10.0.0.1 dev enp7s0 onlink"; done)"
ip -n "$NS" -br link
echo "(plus 10000 routes that have nothing to do with pods)"

say "routeguardd starts, dumps the tables, and tells systemd READY=1"
write_config
cat "$TMP/routeguard.yaml"
daemon_start
wait_synced
grep -E "READY|STATUS" "$TMP/notify.log" | tail -2

show_model() {
	python3 - "$TMP/model.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for l in m["links"]:
    extra = ""
    if "tunnel" in l:
        t = l["tunnel"]
        extra = f' vni {t["vni"]} port {t["dstport"]}' + (" external (Cilium's)" if t["external"] else " fixed VNI (Flannel's)")
    if "ports" in l:
        extra = f' {l["ports"]} port(s)'
    print(f'  link {l["name"]:<13} {l["kind"] or "-":<7} mtu {l["mtu"]:<5}{extra}')
for r in m["routes"]:
    if r["family"] == "inet":
        hops = ", ".join(f'via {h["gateway"] or "-"} dev {h["dev"]}' for h in r["nexthops"])
        print(f'  route {r["dst"]:<16} {hops}')
print(f'  {m["routes-kept"]} routes kept of {m["routes-seen"]} seen; counters {m["counters"]}')
PY
}

say "what routeguardd holds (SIGUSR1 writes it): every link, and only the routes that matter"
model_dump
show_model
expect_model_matches "the mirror equals ip -j link/addr/route"

say "someone deletes flannel.1 by hand: the kernel drops its routes without a word per route"
n link del flannel.1
expect_model_matches "the mirror follows"
model_dump
show_model

say "a burst of 20000 route changes"
n -batch - <<<"$(for i in $(seq 0 9999); do echo "route add 10.42.$((10 + i / 250)).$((i % 250))/32 dev cni0"; echo "route del 100.64.$((i / 250)).$((i % 250))/32"; done)"
expect_model_matches "the mirror follows, still exact"
model_dump
show_model | tail -1

say "done: namespace and files are removed on exit"
echo "Next: the checks and preflight (issue 'Desired state and diagnosis'), then enforcement."
