#!/usr/bin/env bash
# Chains as Flannel, kube-router, kube-proxy and portmap name them, written by the real
# iptables-nft (with native nft tables beside) and then by iptables-legacy: preflight names each
# leftover chain as TABLE/CHAIN with its backend and the rules jumping to it, and never the
# kubelet's, Cilium's or the administrator's. A namespace without legacy tables keeps none.
source "$(dirname "$0")/lib.sh"
for tool in iptables-nft iptables-legacy ip6tables-nft ip6tables-legacy nft; do
	command -v "$tool" >/dev/null || fail "$tool is missing (Debian packages iptables, nftables; tests/install-deps.sh)"
done
netns_setup fwleft
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
k3s_server_unit
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"

CHAINS=(
	"firewall-leftovers filter/FLANNEL-FWD" "firewall-leftovers nat/FLANNEL-POSTRTG"
	"firewall-leftovers filter/KUBE-ROUTER-INPUT" "firewall-leftovers filter/KUBE-ROUTER-FORWARD"
	"firewall-leftovers filter/KUBE-ROUTER-OUTPUT" "firewall-leftovers filter/KUBE-NWPLCY-DEFAULT"
	"firewall-leftovers filter/KUBE-POD-FW-4BDGZEWEU32YM75H"
	"firewall-leftovers nat/KUBE-SERVICES" "firewall-leftovers nat/KUBE-NODEPORTS"
	"firewall-leftovers nat/KUBE-POSTROUTING" "firewall-leftovers nat/KUBE-SVC-NPX46M4PTMTKRN6Y"
	"firewall-leftovers nat/KUBE-SEP-B5VO6EBO7JWDMZQ2"
	"firewall-leftovers nat/CNI-HOSTPORT-DNAT" "firewall-leftovers nat/CNI-HOSTPORT-SETMARK"
	"firewall-leftovers nat/CNI-HOSTPORT-MASQ"
)

# finding_field SUBJECT FIELD: a field of the last preflight's finding with that subject.
finding_field() {
	python3 -c 'import json,sys; print([f for f in json.load(open(sys.argv[1]))["findings"] if f["subject"] == sys.argv[2]][0][sys.argv[3]])' \
		"$TMP/preflight.json" "$1" "$2"
}

step "iptables-nft and native nft tables"
ip netns exec "$NS" sh "$NETNS_DIR/firewall-fixture.sh" nft
ip netns exec "$NS" nft -f "$NETNS_DIR/firewall-native.nft"
expect_preflight 1 "${CHAINS[@]}" "firewall-leftovers flannel-ipv4/*" "firewall-leftovers kube-proxy/*"
[[ $(finding_field nat/FLANNEL-POSTRTG message) == "Flannel's chain FLANNEL-POSTRTG remains in table nat (nf_tables ip, ip6); 3 rule(s) jump to it" ]] ||
	fail "FLANNEL-POSTRTG: $(finding_field nat/FLANNEL-POSTRTG message)"
[[ $(finding_field nat/KUBE-SERVICES message) == *"(nf_tables ip); 2 rule(s) jump to it" ]] ||
	fail "KUBE-SERVICES: $(finding_field nat/KUBE-SERVICES message)"
[[ $(finding_field nat/CNI-HOSTPORT-DNAT severity) == warning ]] || fail "portmap's chains are warnings"
[[ $(finding_field nat/FLANNEL-POSTRTG severity) == error ]] || fail "Flannel's chains are errors"
[[ -z $(ip netns exec "$NS" cat /proc/net/ip_tables_names) ]] ||
	fail "reading the firewall created legacy tables: $(ip netns exec "$NS" cat /proc/net/ip_tables_names)"
echo "ok: no legacy table created by reading"

step "the same chains through iptables-legacy"
ip netns exec "$NS" nft flush ruleset
ip netns exec "$NS" sh "$NETNS_DIR/firewall-fixture.sh" legacy
expect_preflight 1 "${CHAINS[@]}"
[[ $(finding_field nat/FLANNEL-POSTRTG message) == "Flannel's chain FLANNEL-POSTRTG remains in table nat (legacy xtables ip, ip6); 3 rule(s) jump to it" ]] ||
	fail "FLANNEL-POSTRTG: $(finding_field nat/FLANNEL-POSTRTG message)"

step "with Flannel still running here, its chains and portmap's are no leftovers"
n link add flannel.1 type vxlan id 1 dstport 8472 nolearning dev eth0
printf 'disable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
others=()
for c in "${CHAINS[@]}"; do [[ $c == *FLANNEL* || $c == *CNI-HOSTPORT* ]] || others+=("$c"); done
expect_preflight 1 "flannel-device flannel.1" "k3s-flannel-enabled flannel-backend" "${others[@]}"
[[ $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["phase"])' "$TMP/preflight.json") == flannel ]] ||
	fail "the phase is not flannel"
echo "PASS"
