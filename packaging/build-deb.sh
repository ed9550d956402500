#!/usr/bin/env bash
# Builds routeguard_VERSION_ARCH.deb from this working tree (tracked and new files alike, without
# build/ and .git), in a temporary copy, and prints the path of the .deb it wrote into OUT_DIR.
#   packaging/build-deb.sh OUT_DIR [VERSION]
# VERSION (default: the first entry of packaging/debian/changelog) only renames that entry: it is
# for test builds. A release gets an entry of its own (dch -v VERSION).
set -euo pipefail
out=$(realpath "${1:?usage: build-deb.sh OUT_DIR [VERSION]}")
version=${2:-}
root=$(realpath "$(dirname "$0")/..")
for tool in dpkg-buildpackage dh; do
	command -v "$tool" >/dev/null ||
		{ echo "build-deb.sh: $tool is missing (apt-get install dpkg-dev debhelper)" >&2; exit 1; }
done
work=$(mktemp -d /tmp/routeguard-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/src"
# dpkg-buildpackage writes the .deb beside the source directory: into $work, which holds nothing else.
tar -C "$root" --exclude=./build --exclude=./.git -cf - . | tar -C "$work/src" -xf -
cd "$work/src"
cp -r packaging/debian debian
if [[ -n $version ]]; then
	sed -i "1s/(.*)/($version)/" debian/changelog
fi
dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1 ||
	{ tail -n 40 "$work/build.log" >&2; echo "build-deb.sh: dpkg-buildpackage failed" >&2; exit 1; }
deb=$(ls "$work"/routeguard_*.deb | grep -v dbgsym)
cp "$deb" "$out/"
echo "$out/$(basename "$deb")"
