#!/usr/bin/env bash
# End to end through the socket: the incident node observed, then enforced after a reload.
# Flannel's devices go (the bridge only once its pod is gone), the stale conflist is moved to the
# quarantine, what routeguard cannot fix stays reported, and each transition is alerted once.
source "$(dirname "$0")/lib.sh"
netns_setup enforce
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
incident_devices
printf 'disable-network-policy: true\ndisable-kube-proxy: true\n' >"$TMP/k3s/config.yaml"
flannel_conflist "$TMP/cni/agent-net.d"
EXTRA_YAML="metrics: {textfile: $TMP/metrics/routeguard.prom}" host_dirs
sed -i '/^metrics: {textfile: ""}$/d' "$TMP/routeguard.yaml"
mkdir -p "$TMP/metrics"

step "observe mode: everything reported, nothing touched"
daemon_start
wait_ready
expect_findings "cilium-tunnel-mode cilium_vxlan" \
	"cni-conflist-conflict $TMP/cni/agent-net.d/10-flannel.conflist" \
	"flannel-device cni0" "flannel-device flannel.1" \
	"k3s-flannel-enabled flannel-backend" "route-via-tunnel 10.42.1.0/24" \
	"vxlan-port-conflict flannel.1"
status=0
ctl ready >"$TMP/ready.txt" || status=$?
((status == 1)) || fail "ready exited $status, expected 1"
[[ $(wc -L <"$TMP/ready.txt") -le 80 ]] || fail "ready printed more than 80 characters"
grep -q "^not ready: 7 errors" "$TMP/ready.txt" || fail "ready said: $(cat "$TMP/ready.txt")"
n link show flannel.1 >/dev/null || fail "observe mode removed flannel.1"
grep -qx "READY=1" "$TMP/notify.log" || fail "no READY=1"
grep -q "^STATUS=not ready: 7 errors (" "$TMP/notify.log" || fail "STATUS= does not give the verdict"
wait_until 5 "the metrics textfile" grep -q "^routeguard_ready 0" "$TMP/metrics/routeguard.prom"
grep -q 'routeguard_findings{check="flannel-device",severity="error"} 2' "$TMP/metrics/routeguard.prom" ||
	fail "the metrics do not count the open findings"
(($(alerts_in_log "opened flannel-device flannel.1") == 1)) || fail "flannel.1 was not alerted exactly once"

step "a broken reload is refused and the old configuration stays"
cp "$TMP/routeguard.yaml" "$TMP/good.yaml"
echo "mode: enforcing" >>"$TMP/routeguard.yaml"
status=0
ctl reload 2>"$TMP/reload.err" || status=$?
((status == 2)) || fail "a broken reload exited $status, expected 2"
grep -q "^$TMP/routeguard.yaml:[0-9]*:[0-9]*: " "$TMP/reload.err" || fail "no FILE:LINE:COLUMN in: $(cat "$TMP/reload.err")"
status_has 's["mode"] == "observe"' || fail "the mode changed after a failed reload"
grep -q "alert: opened config-reload-failed" "$TMP/daemon.log" || fail "a failed reload raised no alert"

step "enforce: reload, flannel.1 removed, the conflist quarantined, cni0 pending while it has a pod"
sed 's/^mode: observe$//' "$TMP/good.yaml" >"$TMP/routeguard.yaml"
echo "mode: enforce" >>"$TMP/routeguard.yaml"
ctl reload >/dev/null
wait_until 5 "flannel.1 removed" link_absent flannel.1
wait_until 5 "the conflist quarantined" test ! -e "$TMP/cni/agent-net.d/10-flannel.conflist"
ls "$TMP/quarantine"/10-flannel.conflist.* >/dev/null || fail "the conflist is not in the quarantine"
expect_findings "cilium-tunnel-mode cilium_vxlan" "flannel-device cni0" "k3s-flannel-enabled flannel-backend"
status_has '[f for f in s["findings"] if f["subject"] == "cni0" and f["action"] == "pending"]' ||
	fail "cni0 with a pod should be pending"
n link show cni0 >/dev/null || fail "cni0 was removed while it had a port"

step "the pod goes: cni0 goes too"
n link set veth-pod1 nomaster
wait_until 5 "cni0 removed" link_absent cni0
expect_findings "cilium-tunnel-mode cilium_vxlan" "k3s-flannel-enabled flannel-backend"
n link show cilium_vxlan >/dev/null || fail "Cilium's device was touched"
n link show eth0 >/dev/null || fail "the native device was touched"
status_has 'any(a["subject"] == "flannel.1" and a["result"] == "removed" for a in s["actions"])' ||
	fail "no action record for flannel.1"
status_has 's["counters"]["devices-removed"] == 2 and s["counters"]["files-quarantined"] == 1' ||
	fail "counters do not add up"
(($(alerts_in_log "action flannel-device flannel.1 removed") == 1)) || fail "the removal was not alerted once"
(($(alerts_in_log "resolved flannel-device flannel.1") == 1)) || fail "the resolution was not alerted once"

step "non-root callers may read but not reconcile or reload"
chmod 0711 "$TMP" # mktemp makes it 0700: let the unprivileged caller reach the socket
chmod 0666 "$TMP/routeguard.sock"
status=0
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ROUTEGUARDCTL" --socket "$TMP/routeguard.sock" reconcile 2>"$TMP/denied.err" || status=$?
((status == 3)) || fail "a non-root reconcile exited $status"
grep -q "permission denied" "$TMP/denied.err" || fail "no permission denied: $(cat "$TMP/denied.err")"
ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ROUTEGUARDCTL" --socket "$TMP/routeguard.sock" status >/dev/null || [[ $? == 1 ]] ||
	fail "a non-root status failed"

step "reconcile as root answers with the new status"
ctl reconcile >"$TMP/reconcile.txt" || [[ $? == 1 ]] || fail "reconcile failed"
grep -q "^reconciled: not ready: 2 errors" "$TMP/reconcile.txt" || fail "reconcile said: $(cat "$TMP/reconcile.txt")"
echo "PASS"
