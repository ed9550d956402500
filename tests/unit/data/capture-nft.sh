#!/usr/bin/env bash
# Regenerates the stored nf_tables messages the decoder's unit tests replay (run as root).
#   tests/unit/data/capture-nft.sh BUILD_DIR
# Written by the real iptables-nft and nft in a namespace this script builds and deletes, and
# captured by tests/tools/nft-capture.c.
set -euo pipefail
build=${1:?usage: capture-nft.sh BUILD_DIR}
capture=$(realpath "$build")/tests/nft-capture
here=$(dirname "$(realpath "$0")")
netns=$(realpath "$here/../../netns")
ns=rg-nft-capture-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT

ip netns add "$ns"
ip netns exec "$ns" sh "$netns/firewall-fixture.sh" nft
ip netns exec "$ns" nft -f "$netns/firewall-native.nft"
ip netns exec "$ns" "$capture" dump "$here/firewall-node.nft"

# Events for these changes, in this order: a chain and a jump to it added, then the jump and the
# chain deleted in one nft transaction, then a whole native table deleted.
ip netns exec "$ns" "$capture" monitor "$here/firewall-events.nft" >"$here/.listening" &
pid=$!
for _ in $(seq 50); do grep -q listening "$here/.listening" 2>/dev/null && break; sleep 0.1; done
ip netns exec "$ns" iptables-nft -t nat -N FLANNEL-NEW
ip netns exec "$ns" iptables-nft -t nat -A POSTROUTING -j FLANNEL-NEW
h=$(ip netns exec "$ns" nft -a list chain ip nat POSTROUTING | sed -n 's/.*jump FLANNEL-NEW.*# handle \([0-9]*\)/\1/p')
ip netns exec "$ns" nft -f - <<NFT
delete rule ip nat POSTROUTING handle $h
delete chain ip nat FLANNEL-NEW
NFT
ip netns exec "$ns" nft delete table ip kube-proxy
wait "$pid"
rm -f "$here/.listening"
ls -l "$here"/*.nft
