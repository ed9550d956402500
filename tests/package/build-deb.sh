#!/usr/bin/env bash
# Builds routeguard_*.deb from the committed tree, in a temporary copy, and runs lintian on it:
# no error and no warning allowed.
#   tests/package/build-deb.sh OUT_DIR [VERSION]
# VERSION (default: the changelog's) lets the install test build a higher one for upgrades.
set -euo pipefail
out=$(realpath "${1:?usage: build-deb.sh OUT_DIR [VERSION]}")
version=${2:-}
root=$(realpath "$(dirname "$0")/../..")
work=$(mktemp -d /tmp/routeguard-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/src"
# The working tree as it is (tracked and new files alike), without build output. dpkg-buildpackage
# writes the .deb beside the source directory: into $work, which holds nothing else.
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src" -xf -
cd "$work/src"
cp -r packaging/debian debian
if [[ -n $version ]]; then
	sed -i "1s/(.*)/($version)/" debian/changelog
fi
dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 || { tail -n 40 "$work/build.log" >&2; echo "FAIL: dpkg-buildpackage" >&2; exit 1; }
deb=$(ls "$work"/routeguard_*.deb | grep -v dbgsym)
cp "$deb" "$out/"
tags=$(lintian --allow-root --fail-on none "$deb" 2>&1 | grep -E '^[EW]: ' || true)
if [[ -n $tags ]]; then
	echo "$tags" >&2
	echo "FAIL: lintian reports errors or warnings" >&2
	exit 1
fi
echo "ok: $(basename "$deb") built, lintian clean"
