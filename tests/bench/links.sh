#!/usr/bin/env bash
# Many links: LINKS (default 5000) lxc veth devices present (their peers in a second namespace, as
# pods' are), then RATE (50) created and RATE deleted every second for DURATION (60) seconds.
# Measured in the same run: routeguardd's overruns, peak RSS, CPU and CPU per netlink event, and
# those of a bare libmnl listener parsing the same messages (the limit); afterwards the mirror must
# equal the kernel. Last line: one JSON object.
#   sudo tests/bench/links.sh
source "$(dirname "$0")/lib.sh"
require tests/bare-listener
LINKS=${LINKS:-5000}
RATE=${RATE:-50}
DURATION=${DURATION:-60}
bench_setup links
PODS_NS="$NS-pods"
ip netns add "$PODS_NS"
trap 'ip netns del "$PODS_NS" 2>/dev/null || true; bench_cleanup' EXIT

echo "creating $LINKS lxc devices" >&2
for ((i = 0; i < LINKS; i++)); do
	echo "link add lxc$i type veth peer name pod$i netns $PODS_NS"
	echo "link set lxc$i up"
done >"$TMP/links.batch"
ip -n "$NS" -batch "$TMP/links.batch"

start_routeguardd ""
start_bare_listener

events_before=$(status_json | counter netlink-events)
cpu_before=$(cpu_ns "$DAEMON_PID")

echo "churning $RATE links a second for $DURATION s" >&2
next=$LINKS
for ((s = 0; s < DURATION; s++)); do
	tick=$(date +%s.%N)
	{
		for ((k = 0; k < RATE; k++)); do
			echo "link add lxc$((next + k)) type veth peer name pod$((next + k)) netns $PODS_NS"
			echo "link set lxc$((next + k)) up"
		done
		# the oldest churned ones go, so LINKS stay present
		if ((s > 0)); then
			for ((k = 0; k < RATE; k++)); do echo "link del lxc$((next - RATE + k))"; done
		fi
	} >"$TMP/tick.batch"
	ip -n "$NS" -batch "$TMP/tick.batch"
	next=$((next + RATE))
	sleep "$(echo "1 - ($(date +%s.%N) - $tick)" | bc -l | sed 's/^-.*/0/')"
done
wait_events_settled
cpu=$(echo "($(cpu_ns "$DAEMON_PID") - $cpu_before) / 1000000000" | bc -l)
rss=$(awk '/^VmHWM:/ {print $2}' "/proc/$DAEMON_PID/status")
stop_bare_listener
status=$(status_json)
events=$(($(counter netlink-events <<<"$status") - events_before))
model_equal=$(model_equals_kernel "${NATIVE_CIDR:-10.42.0.0/16}")
links_now=$(ip -n "$NS" -o link show | wc -l)
printf '{"links": %d, "rate_per_s": %d, "duration_s": %d, "netlink_events": %d, "overruns": %d, "resyncs": %d, "evaluations": %d, "routeguardd_cpu_s": %.3f, "routeguardd_us_per_event": %.1f, "rss_kib": %d, "bare_messages": %d, "bare_overruns": %d, "bare_cpu_s": %.3f, "bare_us_per_event": %.1f, "bare_rss_kib": %d, "ratio_vs_bare": %.2f, "model_equals_kernel": %s}\n' \
	"$links_now" "$RATE" "$DURATION" "$events" "$(counter overruns <<<"$status")" "$(counter resyncs <<<"$status")" \
	"$(counter evaluations <<<"$status")" "$cpu" "$(echo "$cpu * 1000000 / $events" | bc -l)" "$rss" \
	"$(bare_field messages)" "$(bare_field overruns)" "$(bare_field cpu_s)" \
	"$(echo "$(bare_field cpu_s) * 1000000 / $(bare_field messages)" | bc -l)" "$(bare_field rss_kib)" \
	"$(echo "$cpu / $(bare_field cpu_s)" | bc -l)" "$model_equal"
