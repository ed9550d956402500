#!/usr/bin/env bash
# Cold start on a node with a million routes outside the native CIDR, one shape at a time, each in
# a fresh namespace with 1000 routes inside 10.42.0.0/16 besides: via a gateway, scope link without
# a gateway, multipath, blackhole, in another table, and 200k IPv6 routes. For each: the time from
# exec to READY=1, peak RSS and CPU per dumped message of routeguardd, against `ip route show` and
# a bare libmnl dump that only counts (the limit, with its own CPU and RSS; timed from exec to its
# exit, so that both pay their process start). Median of RUNS
# (default 3). Last line: one JSON object, one entry per shape.
#   sudo tests/bench/coldstart.sh     (BUILD=build/default, ROUTES=1000000, ROUTES6=200000, RUNS=3,
#                                      SHAPES="gateway link multipath blackhole table ipv6")
source "$(dirname "$0")/lib.sh"
ROUTES=${ROUTES:-1000000}
ROUTES6=${ROUTES6:-200000}
RUNS=${RUNS:-3}
SHAPES=${SHAPES:-gateway link multipath blackhole table ipv6}
require tests/rtflood tests/bare-dump tests/ready-timer
bench_setup coldstart
printf 'native-routing-cidr: 10.42.0.0/16\nmetrics: {textfile: ""}\n' >"$TMP/routeguard.yaml"

# fresh_node: the namespace again, empty but for eth0 (bench_setup's) and an IPv6 address.
fresh_node() {
	ip netns del "$NS"
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add eth0 type veth peer name eth0-peer
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set eth0-peer up
	ip -n "$NS" addr add 192.168.0.2/16 dev eth0
	ip -n "$NS" -6 addr add 2001:db8::2/64 dev eth0 nodad
}

field() { sed "s/.*\"$1\": \\([0-9.-]*\\).*/\\1/" <<<"$2"; }

results=()
for shape in $SHAPES; do
	fresh_node
	case $shape in
	ipv6) n=$ROUTES6; flood=(add 2001:db8:1::/128 "$n" eth0 2001:db8::1) ;;
	table) n=$ROUTES; flood=(add 100.64.0.0/32 "$n" eth0 192.168.0.1 table=100) ;;
	*) n=$ROUTES; flood=(add 100.64.0.0/32 "$n" eth0 192.168.0.1 "$shape") ;;
	esac
	echo "$shape: adding $n routes outside 10.42.0.0/16 and 1000 inside" >&2
	in_ns "$BUILD/tests/rtflood" "${flood[@]}" >&2
	in_ns "$BUILD/tests/rtflood" add 10.42.0.0/32 1000 eth0 192.168.0.1 >&2
	ip_s=() bare_s=() bare_cpu=() bare_rss=() ready_s=() rss=() cpu=()
	for run in $(seq "$RUNS"); do
		ip_s+=("$(seconds_of in_ns ip route show table all)")
		# From exec to exit, as routeguardd is timed from exec to READY=1: both pay their start.
		bare_out=$(in_ns "$BUILD/tests/ready-timer" --until-exit "$BUILD/tests/bare-dump")
		bare=$(head -1 <<<"$bare_out")
		bare_s+=("$(field exit_s "$(tail -1 <<<"$bare_out")")") bare_cpu+=("$(field cpu_s "$bare")")
		bare_rss+=("$(field rss_kib "$bare")")
		out=$(in_ns "$BUILD/tests/ready-timer" 120 "$BUILD/routeguardd" --config "$TMP/routeguard.yaml" \
			--log-target stderr --socket "$TMP/sock" --state-dir "$TMP/state" 2>/dev/null)
		ready_s+=("$(field ready_s "$out")") rss+=("$(field rss_kib "$out")") cpu+=("$(field cpu_s "$out")")
		echo "  run $run: ip ${ip_s[-1]} s, bare dump ${bare_s[-1]} s, routeguardd ready ${ready_s[-1]} s, ${rss[-1]} KiB" >&2
	done
	messages=$(field messages "$bare")
	routes=$(field routes "$bare")
	bare_m=$(median "${bare_s[@]}") ready_m=$(median "${ready_s[@]}")
	bare_cpu_m=$(median "${bare_cpu[@]}") cpu_m=$(median "${cpu[@]}")
	results+=("$(printf '{"shape": "%s", "routes": %d, "ip_route_show_s": %.3f, "bare_dump_s": %.3f, "bare_cpu_us_per_message": %.2f, "bare_rss_kib": %d, "routeguardd_ready_s": %.3f, "routeguardd_cpu_us_per_message": %.2f, "ratio_vs_bare": %.2f, "rss_kib": %d}' \
		"$shape" "$routes" "$(median "${ip_s[@]}")" "$bare_m" "$(echo "$bare_cpu_m * 1000000 / $messages" | bc -l)" \
		"$(printf '%s\n' "${bare_rss[@]}" | sort -n | tail -1)" "$ready_m" \
		"$(echo "$cpu_m * 1000000 / $messages" | bc -l)" "$(echo "$ready_m / $bare_m" | bc -l)" \
		"$(printf '%s\n' "${rss[@]}" | sort -n | tail -1)")")
	echo "  ${results[-1]}" >&2
done
printf '{"shapes": [%s]}\n' "$(IFS=,; echo "${results[*]}")"
