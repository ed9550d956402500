#!/usr/bin/env bash
# systemd/routeguard.catalog explains every MESSAGE_ID of lib/checktable.c, and journalctl accepts it.
set -euo pipefail
root=$(dirname "$(realpath "$0")")/..
tmp=$(mktemp -d /tmp/routeguard-catalog.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
command -v journalctl >/dev/null || { echo "FAIL: journalctl is missing (the systemd package)" >&2; exit 1; }

grep -o '"[0-9a-f]\{32\}"' "$root/lib/checktable.c" | tr -d '"' | sort >"$tmp/ids"
grep -o '^-- [0-9a-f]\{32\}$' "$root/systemd/routeguard.catalog" | cut -c4- | sort >"$tmp/catalog"
if ! diff -u "$tmp/ids" "$tmp/catalog"; then
	echo "FAIL: the catalog and lib/checktable.c disagree (- only in the code, + only in the catalog)" >&2
	exit 1
fi
echo "ok: $(wc -l <"$tmp/ids") message ids, each in the catalog"
[[ $(sort -u "$tmp/ids" | wc -l) == $(wc -l <"$tmp/ids") ]] || { echo "FAIL: a message id is used twice" >&2; exit 1; }

mkdir -p "$tmp/root/usr/lib/systemd/catalog" "$tmp/root/var/lib/systemd/catalog"
cp "$root/systemd/routeguard.catalog" "$tmp/root/usr/lib/systemd/catalog/"
journalctl --root="$tmp/root" --update-catalog
listed=$(journalctl --root="$tmp/root" --list-catalog | grep -c "routeguard:" || true)
[[ $listed == $(wc -l <"$tmp/ids") ]] || { echo "FAIL: journalctl lists $listed of our entries" >&2; exit 1; }
echo "ok: journalctl --update-catalog accepts it and lists all $listed entries"
