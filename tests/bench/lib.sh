# shellcheck shell=bash
# Shared by the benchmarks: the build to measure, a namespace of the bench's own, medians.
set -euo pipefail
BENCH_DIR=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
ROOT=$(realpath "$BENCH_DIR/../..")
BUILD=${BUILD:-$ROOT/build/default}
[[ $(id -u) == 0 ]] || { echo "bench: needs root, for network namespaces" >&2; exit 1; }
for tool in routeguardd tests/rtflood tests/bare-dump tests/ready-timer; do
	[[ -x $BUILD/$tool ]] || { echo "bench: $BUILD/$tool is missing: build first (cmake --build --preset default)" >&2; exit 1; }
done

NS=""
TMP=""
bench_cleanup() {
	[[ -n $NS ]] && ip netns del "$NS" 2>/dev/null || true
	[[ -n $TMP ]] && rm -rf "$TMP"
}

bench_setup() {
	NS="rg-bench-$1-$$"
	TMP=$(mktemp -d "/tmp/routeguard-bench-$1.XXXXXX")
	trap bench_cleanup EXIT
	trap 'exit 130' INT TERM
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip -n "$NS" link add eth0 type veth peer name eth0-peer
	ip -n "$NS" link set eth0 up
	ip -n "$NS" link set eth0-peer up
	ip -n "$NS" addr add 192.168.0.2/16 dev eth0
}

in_ns() {
	ip netns exec "$NS" "$@"
}

# median of the numbers given
median() {
	printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'
}

seconds_of() {
	local start end
	start=$(date +%s.%N)
	"$@" >/dev/null
	end=$(date +%s.%N)
	echo "$end - $start" | bc -l
}
