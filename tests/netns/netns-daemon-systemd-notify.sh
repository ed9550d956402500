#!/usr/bin/env bash
# What systemd sees: READY=1 after the first evaluation, STATUS= in a few words, RELOADING=1 then
# READY=1 around a SIGHUP reload, WATCHDOG=1 when WATCHDOG_USEC is set; and an idle daemon that
# does not wake up at all without a watchdog.
source "$(dirname "$0")/lib.sh"
netns_setup notify
# No IPv6 in this namespace: its address autoconfiguration sends events seconds after a link comes
# up, which would wake the daemon for good reason and blur the idle measurement.
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1

step "idle: no wake-ups"
daemon_start
wait_ready
grep -Eq "^STATUS=ready; [0-9]+ links, [0-9]+ routes kept of [0-9]+ seen, 0 overruns, 0 resyncs$" "$TMP/notify.log" ||
	fail "STATUS= is not 'ready; counts': $(grep STATUS "$TMP/notify.log")"
sleep 0.5
switches() { awk '/ctxt_switches/ {n += $2} END {print n}' "/proc/$DAEMON_PID/status"; }
before=$(switches)
sleep 3
after=$(switches)
echo "ok: context switches over 3 idle seconds: $((after - before))"
((after == before)) || fail "an idle routeguardd woke up $((after - before)) times"

step "a second routeguardd never takes a live daemon's socket"
status=0
ip netns exec "$NS" "$ROUTEGUARDD" --config "$TMP/routeguard.yaml" --log-target stderr \
	--socket "$TMP/routeguard.sock" --state-dir "$TMP/state2" >/dev/null 2>"$TMP/second.log" || status=$?
((status == 3)) || fail "a second daemon on the same socket exited $status, expected 3"
grep -q "Another routeguardd answers on $TMP/routeguard.sock" "$TMP/second.log" || fail "no explanation: $(cat "$TMP/second.log")"
ctl ready >/dev/null || fail "the first daemon no longer answers"
echo "ok: the second daemon refused, the first still answers"

step "SIGHUP: RELOADING=1, then READY=1"
: >"$TMP/notify.log"
kill -HUP "$DAEMON_PID"
wait_until 5 "READY=1 after the reload" grep -qx "READY=1" "$TMP/notify.log"
[[ $(grep -m1 -nx "RELOADING=1" "$TMP/notify.log" | cut -d: -f1) -lt $(grep -m1 -nx "READY=1" "$TMP/notify.log" | cut -d: -f1) ]] ||
	fail "RELOADING=1 did not come before READY=1: $(cat "$TMP/notify.log")"
grep -q "Configuration reloaded" "$TMP/daemon.log" || fail "the reload was not logged"
daemon_stop || fail "routeguardd did not stop cleanly"
DAEMON_PID=""

step "WATCHDOG_USEC set: WATCHDOG=1 from the loop"
: >"$TMP/notify.log"
WATCHDOG_USEC=400000 daemon_start
wait_ready
sleep 1
(($(grep -cx "WATCHDOG=1" "$TMP/notify.log") >= 2)) || fail "no regular WATCHDOG=1 with WATCHDOG_USEC=400000"
echo "ok: $(grep -cx "WATCHDOG=1" "$TMP/notify.log") WATCHDOG=1 in about a second"
echo "PASS"
