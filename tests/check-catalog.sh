#!/usr/bin/env bash
# The docs that list every check, held to the check table of the built code (lib/checktable.c):
# systemd/routeguard.catalog explains each check's MESSAGE_IDs (and journalctl accepts it), and the
# README's checks table has a row for each finding, with its default severity.
#
#   check-catalog.sh PRINT_CHECKS   (the tests/tools/print-checks binary)
set -euo pipefail
root=$(dirname "$(realpath "$0")")/..
print_checks=${1:?usage: check-catalog.sh PRINT_CHECKS}
catalog=$root/systemd/routeguard.catalog
readme=$root/README.md
tmp=$(mktemp -d /tmp/routeguard-catalog.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
command -v journalctl >/dev/null || { echo "FAIL: journalctl is missing (the systemd package)" >&2; exit 1; }
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

"$print_checks" >"$tmp/table"
[[ -s $tmp/table ]] || { echo "FAIL: $print_checks printed no checks" >&2; exit 1; }

# The catalog: every id of the table has one entry, and that entry names its check and transition
# ("Check flannel-device, opened."), so an id cannot sit under the wrong check.
awk '/^-- [0-9a-f]+$/ && length($2) == 32 { id = $2; next }
     id && /^Check / { print id, $0; id = "" }' "$catalog" >"$tmp/catalog"
while read -r name kind severity opened resolved action; do
	for pair in "opened $opened" "resolved $resolved" "action $action"; do
		set -- $pair
		line=$(grep "^$2 " "$tmp/catalog" || true)
		if [[ -z $line ]]; then
			fail "the catalog has no entry for $name $1 (-- $2)"
		elif [[ $line != "$2 Check $name, $1."* ]]; then
			fail "the catalog's entry -- $2 is not '$name, $1': ${line#* }"
		fi
	done
done <"$tmp/table"
awk '{ print $4; print $5; print $6 }' "$tmp/table" | sort >"$tmp/ids"
grep -o '^-- [0-9a-f]\{32\}$' "$catalog" | cut -c4- | sort >"$tmp/catalog-ids"
stale=$(comm -13 "$tmp/ids" "$tmp/catalog-ids" | tr '\n' ' ')
[[ -z $stale ]] || fail "catalog entries that are no check's MESSAGE_ID: $stale"
[[ $(sort -u "$tmp/catalog-ids" | wc -l) == $(wc -l <"$tmp/catalog-ids") ]] ||
	fail "the catalog has an entry twice"
[[ $(sort -u "$tmp/ids" | wc -l) == $(wc -l <"$tmp/ids") ]] || fail "a MESSAGE_ID is used twice"

# The README's "## Checks" table: "| `name` | severity … |" for every finding, and no other rows.
awk '/^## / { in_checks = ($0 == "## Checks") } in_checks && /^\| `/' "$readme" |
	awk -F'|' '{ name = $2; severity = $3; gsub(/[` ]/, "", name); gsub(/^ +| +$/, "", severity)
		print name, severity }' >"$tmp/readme"
while read -r name kind severity _; do
	[[ $kind == finding ]] || continue
	row=$(grep "^$name " "$tmp/readme" || true)
	if [[ -z $row ]]; then
		fail "README.md's checks table has no row for $name"
	elif [[ ${row#"$name "} != "$severity"* ]]; then
		fail "README.md gives $name the severity '${row#"$name "}', the table $severity"
	fi
done <"$tmp/table"
while read -r name _; do
	grep -q "^$name finding " "$tmp/table" || fail "README.md lists $name, which is no finding"
done <"$tmp/readme"
((failed == 0)) || exit 1
echo "ok: $(wc -l <"$tmp/table") checks, $(wc -l <"$tmp/ids") message ids, each in the catalog;" \
	"$(wc -l <"$tmp/readme") findings in README.md"

mkdir -p "$tmp/root/usr/lib/systemd/catalog" "$tmp/root/var/lib/systemd/catalog"
cp "$catalog" "$tmp/root/usr/lib/systemd/catalog/"
journalctl --root="$tmp/root" --update-catalog
listed=$(journalctl --root="$tmp/root" --list-catalog | grep -c "routeguard:" || true)
[[ $listed == $(wc -l <"$tmp/ids") ]] || { echo "FAIL: journalctl lists $listed of our entries" >&2; exit 1; }
echo "ok: journalctl --update-catalog accepts it and lists all $listed entries"
