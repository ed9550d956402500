#!/usr/bin/env bash
# The daemon follows nf_tables live: a Flannel chain added by iptables-nft while it runs is a
# finding within a second, and gone when the chain goes. Legacy xtables, which sends no events,
# is read every firewall.poll-interval and on Reconcile.
source "$(dirname "$0")/lib.sh"
for tool in iptables-nft iptables-legacy; do
	command -v "$tool" >/dev/null || fail "$tool is missing (Debian package iptables; tests/install-deps.sh)"
done
netns_setup fwlive
PEERS=(192.168.1.3)
EXTRA_YAML="firewall: {poll-interval: 1s}" host_dirs
l2_nic
forwarding 1
k3s_server_unit
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
ipt() { ip netns exec "$NS" iptables-nft "$@"; }

daemon_start
wait_ready
expect_findings

step "a chain and its jump added by iptables-nft: a finding within a second"
ipt -t nat -N FLANNEL-POSTRTG
start=$(date +%s%N)
# grep, not Python, on the raw status: the poll itself must not eat the second
for _ in $(seq 200); do
	[[ $(ctl --json status) == *FLANNEL-POSTRTG* ]] && break
	sleep 0.005
done
elapsed_ms=$((($(date +%s%N) - start) / 1000000))
ipt -t nat -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
findings_are "firewall-leftovers nat/FLANNEL-POSTRTG" || fail "no finding for nat/FLANNEL-POSTRTG"
((elapsed_ms < 1000)) || fail "the finding took $elapsed_ms ms"
echo "ok: seen after $elapsed_ms ms"
wait_until 2 "the jump counted" status_has '[f for f in s["findings"] if f["subject"] == "nat/FLANNEL-POSTRTG" and "1 rule(s) jump to it" in f["message"]]'
ctl ready >"$TMP/ready.txt" || true
grep -q "^not ready: 1 error: firewall-leftovers nat/FLANNEL-POSTRTG" "$TMP/ready.txt" || fail "ready said: $(cat "$TMP/ready.txt")"

step "a second jump, then the chain removed: counted, then resolved"
ipt -t nat -I POSTROUTING 1 -s 10.42.9.0/24 -g FLANNEL-POSTRTG
wait_until 2 "the goto counted" status_has '[f for f in s["findings"] if "2 rule(s) jump to it" in f["message"]]'
ipt -t nat -F POSTROUTING
ipt -t nat -X FLANNEL-POSTRTG
expect_findings
grep -q "alert: resolved firewall-leftovers nat/FLANNEL-POSTRTG" "$TMP/daemon.log" || fail "no resolved alert"

step "legacy xtables: read every poll-interval"
ip netns exec "$NS" iptables-legacy -w 10 -N KUBE-ROUTER-INPUT
ip netns exec "$NS" iptables-legacy -w 10 -I INPUT 1 -j KUBE-ROUTER-INPUT
expect_findings "firewall-leftovers filter/KUBE-ROUTER-INPUT"
status_has '[f for f in s["findings"] if "legacy xtables ip" in f["message"]]' || fail "the backend is not named"
ip netns exec "$NS" iptables-legacy -w 10 -D INPUT 1
ip netns exec "$NS" iptables-legacy -w 10 -X KUBE-ROUTER-INPUT
expect_findings
echo "PASS"
