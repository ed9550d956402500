#!/usr/bin/env bash
# Builds routeguard_*.deb from the tree (packaging/build-deb.sh) and runs lintian on it: no error
# and no warning allowed.
#   tests/package/build-deb.sh OUT_DIR [VERSION]
# VERSION (default: the changelog's) lets the install tests build a higher one for upgrades.
set -euo pipefail
root=$(realpath "$(dirname "$0")/../..")
command -v lintian >/dev/null || { echo "FAIL: lintian is missing (tests/install-deps.sh installs it)" >&2; exit 1; }
deb=$("$root/packaging/build-deb.sh" "$@") || { echo "FAIL: dpkg-buildpackage" >&2; exit 1; }
tags=$(lintian --allow-root --fail-on none "$deb" 2>&1 | grep -E '^[EW]: ' || true)
if [[ -n $tags ]]; then
	echo "$tags" >&2
	echo "FAIL: lintian reports errors or warnings" >&2
	exit 1
fi
echo "ok: $(basename "$deb") built, lintian clean"
