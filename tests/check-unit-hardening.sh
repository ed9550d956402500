#!/usr/bin/env bash
# systemd/routeguard.service: a valid unit, and an exposure of at most 1.5 by
# systemd-analyze security --offline=yes.
set -euo pipefail
unit=$(dirname "$(realpath "$0")")/../systemd/routeguard.service
command -v systemd-analyze >/dev/null || { echo "FAIL: systemd-analyze is missing (the systemd package)" >&2; exit 1; }
out=$(systemd-analyze security --offline=yes "$unit" 2>&1 || true)
level=$(sed -n 's/.*Overall exposure level for routeguard.service: \([0-9.]*\).*/\1/p' <<<"$out")
[[ -n $level ]] || { echo "$out" >&2; echo "FAIL: systemd-analyze gave no exposure level" >&2; exit 1; }
echo "ok: exposure level $level"
awk -v l="$level" 'BEGIN {exit !(l <= 1.5)}' || { grep "✗" <<<"$out" >&2; echo "FAIL: exposure $level is above 1.5" >&2; exit 1; }
grep -q "^Type=notify$" "$unit" && ! grep -q "notify-reload" "$unit" || { echo "FAIL: Type=notify (systemd 249 has no notify-reload)" >&2; exit 1; }
echo "ok: Type=notify, nothing newer than systemd 249 needs"
