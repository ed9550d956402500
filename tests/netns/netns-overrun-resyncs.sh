#!/usr/bin/env bash
# With a receive buffer far too small for the storm, routeguardd must see ENOBUFS, count it, resync
# (mark and sweep) and end equal to the kernel: overruns are survived, never ignored.
source "$(dirname "$0")/lib.sh"
: "${RTFLOOD:?set RTFLOOD to the rtflood tool (ctest does)}"
netns_setup overrun
NATIVE_CIDR=10.0.0.0/8

n link add eth0 type veth peer name eth0-peer
n link set eth0 up
n link set eth0-peer up
n addr add 192.168.1.2/24 dev eth0

daemon_start --debug-rcvbuf 16384
wait_synced
expect_model_matches "before the storm"

step "200000 routes into the native CIDR as fast as rtnetlink takes them"
ip netns exec "$NS" "$RTFLOOD" add 10.64.0.0/32 200000 eth0 192.168.1.1
expect_model_matches "after 200000 adds" 120

model_dump
overruns=$(model_field '["counters"]["overruns"]')
resyncs=$(model_field '["counters"]["resyncs"]')
kept=$(model_field '["routes-kept"]')
echo "overruns=$overruns resyncs=$resyncs routes-kept=$kept"
((overruns > 0)) || fail "no overrun seen: the receive buffer was not small enough to test this"
((resyncs > 0)) || fail "overruns but no resync"
((kept >= 200000)) || fail "only $kept routes kept"

step "delete half of them, still with the small buffer"
ip netns exec "$NS" "$RTFLOOD" del 10.64.0.0/32 100000 eth0 192.168.1.1
expect_model_matches "after the deletes" 120
grep -q "overrun" "$TMP/daemon.log" || fail "the overrun was not logged"
echo "PASS"
