#!/usr/bin/env bash
# Cold start on a node with 1M IPv4 routes outside the native CIDR plus 1k inside it: how long from
# exec to READY=1, and at what peak RSS, against `ip -4 route show` and a bare libmnl dump that only
# counts (the limit). Median of RUNS (default 3). Last line: one JSON object.
#   sudo tests/bench/coldstart.sh            (BUILD=build/default, ROUTES=1000000, RUNS=3)
source "$(dirname "$0")/lib.sh"
ROUTES=${ROUTES:-1000000}
RUNS=${RUNS:-3}
require tests/rtflood tests/bare-dump tests/ready-timer
bench_setup coldstart

echo "adding $ROUTES routes outside 10.42.0.0/16 and 1000 inside" >&2
in_ns "$BUILD/tests/rtflood" add 100.64.0.0/32 "$ROUTES" eth0 192.168.0.1 >&2
in_ns "$BUILD/tests/rtflood" add 10.42.0.0/32 1000 eth0 192.168.0.1 >&2
printf 'native-routing-cidr: 10.42.0.0/16\nmetrics: {textfile: ""}\n' >"$TMP/routeguard.yaml"

ip_s=() bare_s=() ready_s=() rss=()
for run in $(seq "$RUNS"); do
	ip_s+=("$(seconds_of in_ns ip -4 route show)")
	bare_s+=("$(in_ns "$BUILD/tests/bare-dump" | sed 's/.*"seconds": \([0-9.]*\).*/\1/')")
	out=$(in_ns "$BUILD/tests/ready-timer" 120 "$BUILD/routeguardd" --config "$TMP/routeguard.yaml" \
		--log-target stderr --socket "$TMP/sock" --state-dir "$TMP/state" 2>/dev/null)
	ready_s+=("$(sed 's/.*"ready_s": \([0-9.-]*\).*/\1/' <<<"$out")")
	rss+=("$(sed 's/.*"rss_kib": \([0-9-]*\).*/\1/' <<<"$out")")
	echo "run $run: ip ${ip_s[-1]} s, bare dump ${bare_s[-1]} s, routeguardd ready ${ready_s[-1]} s, ${rss[-1]} KiB" >&2
done
routes=$(in_ns "$BUILD/tests/bare-dump" | sed 's/.*"routes": \([0-9]*\).*/\1/')
ip_m=$(median "${ip_s[@]}")
bare_m=$(median "${bare_s[@]}")
ready_m=$(median "${ready_s[@]}")
rss_max=$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)
ratio=$(echo "$ready_m / $bare_m" | bc -l)
printf '{"routes": %d, "ip_route_show_s": %.3f, "bare_dump_s": %.3f, "routeguardd_ready_s": %.3f, "ratio_vs_bare": %.2f, "rss_kib": %d}\n' \
	"$routes" "$ip_m" "$bare_m" "$ready_m" "$ratio" "$rss_max"
