#!/usr/bin/env bash
# Runs each libFuzzer target for a while (default 20 s) from its seeds; exits non-zero on a crash.
#   tests/fuzz/run-fuzzers.sh FUZZ_BUILD_DIR [SECONDS]
set -euo pipefail
build=$(realpath "${1:?usage: run-fuzzers.sh FUZZ_BUILD_DIR [SECONDS]}")
seconds=${2:-20}
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d /tmp/routeguard-fuzz.XXXXXX)
trap 'rm -rf "$work"' EXIT

mkdir -p "$work/rtnl" "$work/config" "$work/k3sconfig" "$work/k3sunit" "$work/unitfile" "$work/varlink" "$work/cilium-agent" "$work/cilium-log" "$work/nft"
cp "$here"/../unit/data/*.dump "$work/rtnl/"
cp "$here"/../unit/data/*.nft "$work/nft/"
cp "$here"/corpus/config/* "$work/config/"
cp "$here"/corpus/k3sconfig/* "$work/k3sconfig/"
cp "$here"/corpus/unitfile/* "$work/unitfile/"
cp "$here"/corpus/k3sunit/* "$work/k3sunit/"
cp "$here"/corpus/varlink/* "$work/varlink/"
cp "$here"/../unit/data/cilium/*.json "$work/cilium-agent/"
cp "$here"/../unit/data/cilium/*.log "$work/cilium-log/"
for target in rtnl config k3sconfig k3sunit unitfile varlink cilium-agent cilium-log nft; do
	[[ -x $build/tests/fuzz-$target ]] || { echo "run-fuzzers: $build/tests/fuzz-$target is missing: build the fuzz preset" >&2; exit 1; }
	echo "fuzzing $target for $seconds s"
	(cd "$work" && "$build/tests/fuzz-$target" -max_total_time="$seconds" -timeout=10 -max_len=65536 \
		-print_final_stats=1 "$work/$target" 2>"$work/$target.log") || {
		tail -n 60 "$work/$target.log" >&2
		echo "fuzz-$target found a crash" >&2
		exit 1
	}
	grep -E "stat::number_of_executed_units|Done" "$work/$target.log" | tail -n 2
done
