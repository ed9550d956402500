#!/usr/bin/env bash
# Enforce mode with firewall.remove: the chains named (and the native table named) go, with exactly
# the rules that jump or go to them, in nf_tables (one batch) and in legacy xtables (libiptc
# commit); everything else stays: a chain not named, the kubelet's, Cilium's, the administrator's
# rule. Each removal is an action with its own alert; a chain that keeps coming back hits the
# recreate limit.
source "$(dirname "$0")/lib.sh"
for tool in iptables-nft iptables-legacy ip6tables-nft nft; do
	command -v "$tool" >/dev/null || fail "$tool is missing (Debian packages iptables, nftables; tests/install-deps.sh)"
done
netns_setup fwrm
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce
firewall: {poll-interval: 1s, remove: [FLANNEL-*, KUBE-ROUTER-*, flannel-ipv4]}
enforce: {recreate-limit: {count: 3, window: 60s}}" host_dirs
l2_nic
forwarding 1
k3s_server_unit
printf 'flannel-backend: none\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
save() { ip netns exec "$NS" "$1-save"; }

ip netns exec "$NS" sh "$NETNS_DIR/firewall-fixture.sh" nft
ip netns exec "$NS" nft -f "$NETNS_DIR/firewall-native.nft"
save iptables-nft >"$TMP/before.txt"

step "all or nothing: a batch with one stale jump is refused whole"
: "${FW_REMOVE_STALE:?set FW_REMOVE_STALE to the fw-remove-stale tool (ctest does)}"
ip netns exec "$NS" "$FW_REMOVE_STALE" nat/FLANNEL-POSTRTG POSTROUTING || fail "the stale batch did not fail"
cmp -s <(grep '^-' "$TMP/before.txt") <(save iptables-nft | grep '^-') || fail "the refused batch changed rules"
echo "ok: nothing changed"

step "nf_tables: the named chains and the jumps to them go"
daemon_start
wait_ready
wait_until 5 "Flannel's and kube-router's chains gone" \
	sh -c "! ip netns exec $NS iptables-nft-save | grep -q -e FLANNEL- -e KUBE-ROUTER-"
save iptables-nft >"$TMP/after.txt"
save ip6tables-nft >"$TMP/after6.txt"
grep -q FLANNEL- "$TMP/after6.txt" && fail "the ip6 FLANNEL-POSTRTG stayed"
ip netns exec "$NS" nft list table ip flannel-ipv4 >/dev/null 2>&1 && fail "the table flannel-ipv4 stayed"
ip netns exec "$NS" nft list table ip kube-proxy >/dev/null 2>&1 || fail "the table kube-proxy (not named) went"
# exactly those lines went: the named chains, their rules, the rules jumping to them
diff <(grep -v -e '^#' -e '^\[' -e '^:' "$TMP/before.txt" | grep -v -e FLANNEL- -e KUBE-ROUTER- | sed 's/\[[0-9:]*\]//') \
	<(grep -v -e '^#' -e '^\[' -e '^:' "$TMP/after.txt" | sed 's/\[[0-9:]*\]//') >"$TMP/diff.txt" ||
	{ cat "$TMP/diff.txt" >&2; fail "other rules changed"; }
grep -q -- "-A INPUT -j ADMIN-SSH" "$TMP/after.txt" || fail "the administrator's jump went"
grep -q -- "-A FORWARD -m comment --comment \"cilium-feeder: CILIUM_FORWARD\" -j CILIUM_FORWARD" "$TMP/after.txt" || fail "Cilium's feeder went"
grep -q -- "-A INPUT -j KUBE-FIREWALL" "$TMP/after.txt" || fail "the kubelet's jump went"
grep -q -- "-A KUBE-POD-FW-4BDGZEWEU32YM75H" "$TMP/after.txt" || fail "KUBE-POD-FW-* (not named) went"
echo "ok: exactly the named chains and the jumps to them went"
status_has 'any(a["subject"] == "nat/FLANNEL-POSTRTG" and a["result"] == "removed" for a in s["actions"])' ||
	fail "no action for nat/FLANNEL-POSTRTG"
(($(alerts_in_log "action firewall-leftovers nat/FLANNEL-POSTRTG removed") == 1)) || fail "the removal was not alerted once"
(($(alerts_in_log "action firewall-leftovers flannel-ipv4/\\* removed") == 1)) || fail "the table's removal was not alerted once"
grep -q "the 3 rule(s) jumping to it" "$TMP/daemon.log" || fail "the message does not count 3 jumps for FLANNEL-POSTRTG"
expect_findings "firewall-leftovers filter/KUBE-NWPLCY-DEFAULT" "firewall-leftovers filter/KUBE-POD-FW-4BDGZEWEU32YM75H" \
	"firewall-leftovers nat/KUBE-SERVICES" "firewall-leftovers nat/KUBE-NODEPORTS" "firewall-leftovers nat/KUBE-POSTROUTING" \
	"firewall-leftovers nat/KUBE-SVC-NPX46M4PTMTKRN6Y" "firewall-leftovers nat/KUBE-SEP-B5VO6EBO7JWDMZQ2" \
	"firewall-leftovers nat/CNI-HOSTPORT-DNAT" "firewall-leftovers nat/CNI-HOSTPORT-SETMARK" \
	"firewall-leftovers nat/CNI-HOSTPORT-MASQ" "firewall-leftovers kube-proxy/*"

step "a chain that keeps coming back: removed three times in all, then left alone (recreate limit)"
# chain and jump in one transaction, as Flannel's restart would write them
recreate() { printf '*filter\n:FLANNEL-FWD - [0:0]\n-A FORWARD -j FLANNEL-FWD\nCOMMIT\n' | ip netns exec "$NS" iptables-nft-restore --noflush; }
for round in 1 2; do
	recreate
	wait_until 5 "FLANNEL-FWD removed again ($round)" sh -c "! ip netns exec $NS iptables-nft -S FLANNEL-FWD"
done
recreate
wait_until 5 "backoff" status_has '[f for f in s["findings"] if f["subject"] == "filter/FLANNEL-FWD" and f["action"] == "backoff"]'
sleep 0.5
ip netns exec "$NS" iptables-nft -S FLANNEL-FWD >/dev/null || fail "removed a third time within the window"
ip netns exec "$NS" iptables-nft -D FORWARD -j FLANNEL-FWD
ip netns exec "$NS" iptables-nft -X FLANNEL-FWD

step "legacy xtables: the same, through libiptc's commit"
ip netns exec "$NS" nft flush ruleset
ip netns exec "$NS" sh "$NETNS_DIR/firewall-fixture.sh" legacy
save iptables-legacy >"$TMP/before-legacy.txt"
wait_until 10 "legacy FLANNEL-POSTRTG gone" \
	sh -c "! ip netns exec $NS iptables-legacy-save | grep -q FLANNEL-POSTRTG"
wait_until 10 "legacy KUBE-ROUTER-* gone" \
	sh -c "! ip netns exec $NS iptables-legacy-save | grep -q KUBE-ROUTER-"
save iptables-legacy >"$TMP/after-legacy.txt"
grep -q FLANNEL-POSTRTG <(save ip6tables-legacy) && fail "the ip6 legacy FLANNEL-POSTRTG stayed"
# filter/FLANNEL-FWD is still in its recreate backoff from above: it stays, whatever the backend
diff <(grep -v -e '^#' -e '^\[' -e '^:' -e '^\*' -e '^COMMIT' "$TMP/before-legacy.txt" | grep -v -e FLANNEL-POSTRTG -e KUBE-ROUTER-) \
	<(grep -v -e '^#' -e '^\[' -e '^:' -e '^\*' -e '^COMMIT' "$TMP/after-legacy.txt") >"$TMP/diff-legacy.txt" ||
	{ cat "$TMP/diff-legacy.txt" >&2; fail "other legacy rules changed"; }
grep -q -- "-A INPUT -j ADMIN-SSH" "$TMP/after-legacy.txt" || fail "the administrator's legacy jump went"
status_has '[f for f in s["findings"] if f["subject"] == "filter/FLANNEL-FWD" and f["action"] == "backoff" and "legacy xtables" in f["message"]]' ||
	fail "the legacy FLANNEL-FWD is not in backoff"
echo "ok: exactly the named legacy chains and the jumps to them went"
echo "PASS"
