#!/usr/bin/env bash
# The metrics textfile as Prometheus sees it: it passes promtool check metrics, and a real
# prometheus-node-exporter (on the loopback of the test's own namespace) serves routeguard_ready
# from it. The alert rules shipped in packaging/prometheus pass promtool's check and unit tests.
source "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null || fail "promtool is missing (apt-get install prometheus)"
exporter=$(command -v prometheus-node-exporter || true)
[[ -n $exporter ]] || fail "prometheus-node-exporter is missing (apt-get install prometheus-node-exporter)"
netns_setup metrics
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
mkdir -p "$TMP/textfiles"
sed -i '/^metrics: {textfile: ""}$/d' "$TMP/routeguard.yaml"
echo "metrics: {textfile: $TMP/textfiles/routeguard.prom}" >>"$TMP/routeguard.yaml"
flannel_vxlan "$NS" --down
daemon_start
wait_ready
wait_until 5 "the textfile" test -s "$TMP/textfiles/routeguard.prom"
promtool check metrics <"$TMP/textfiles/routeguard.prom" || fail "promtool check metrics found problems"
echo "ok: promtool check metrics"

ip netns exec "$NS" "$exporter" --web.listen-address=127.0.0.1:19100 --collector.disable-defaults \
	--collector.textfile --collector.textfile.directory="$TMP/textfiles" >"$TMP/exporter.log" 2>&1 &
BACKGROUND_PIDS+=($!)
scrape() {
	ip netns exec "$NS" python3 -c 'import urllib.request; print(urllib.request.urlopen("http://127.0.0.1:19100/metrics", timeout=2).read().decode())'
}
wait_until 10 "node_exporter answers" scrape
scrape >"$TMP/scrape.txt"
grep -q '^routeguard_ready 0$' "$TMP/scrape.txt" || fail "routeguard_ready 0 not served: $(grep routeguard_ready "$TMP/scrape.txt")"
grep -q '^routeguard_findings{check="flannel-device",severity="error"} 1$' "$TMP/scrape.txt" || fail "findings not served"
grep -q 'node_textfile_scrape_error 0' "$TMP/scrape.txt" || fail "node_exporter could not read the textfile"
echo "ok: node_exporter serves routeguard_ready 0"

n link del flannel.1
wait_until 5 "routeguard_ready 1 served" bash -c "$(declare -f scrape); NS=$NS; scrape | grep -q '^routeguard_ready 1$'"
echo "ok: and routeguard_ready 1 once flannel.1 is gone"

rules=$ROOT_DIR/packaging/prometheus
promtool check rules "$rules/routeguard-rules.yml" || fail "promtool check rules"
(cd "$rules" && promtool test rules routeguard-rules.test.yml) || fail "promtool test rules"
echo "PASS"
