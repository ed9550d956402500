#!/usr/bin/env bash
# Builds and tests everything on a fresh Debian 12 machine, as root:
#   tests/run.sh
# Installs what it needs (apt-get, idempotent), builds the default, ASan/UBSan and fuzz presets,
# runs the fuzzers briefly, then ctest on the ASan build and on the default build. Ends with
# ctest's summary; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$(realpath "$0")")/.."

[[ $(id -u) == 0 ]] || { echo "tests/run.sh: run as root (network namespaces, apt-get): sudo tests/run.sh" >&2; exit 1; }

section() {
	echo
	echo "== $*"
}

tests/install-deps.sh
jobs=$(nproc)

for preset in default asan fuzz; do
	section "build: $preset"
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j"$jobs" 2>&1 | grep -vE '^\[ *[0-9]+%\]' || true
	# grep swallows the build's exit status: check it again, quietly.
	cmake --build --preset "$preset" -j"$jobs" >/dev/null
done

section "fuzz: each target for ${FUZZ_SECONDS:-20} s"
tests/fuzz/run-fuzzers.sh build/fuzz "${FUZZ_SECONDS:-20}"

section "ctest: ASan + UBSan build (unit and netns)"
ctest --preset asan -j1

section "ctest: default build"
ctest --preset default -j1
