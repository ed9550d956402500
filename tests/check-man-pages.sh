#!/usr/bin/env bash
# The man pages render without a single warning (as lintian checks them).
set -euo pipefail
dir=$(dirname "$(realpath "$0")")/../packaging/man
command -v man >/dev/null || { echo "FAIL: man is missing (apt-get install man-db)" >&2; exit 1; }
status=0
for page in "$dir"/*.[0-9]; do
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>&1 >/dev/null || true)
	if [[ -n $warnings ]]; then
		echo "FAIL: $page: $warnings" >&2
		status=1
	else
		echo "ok: $(basename "$page")"
	fi
done
exit "$status"
