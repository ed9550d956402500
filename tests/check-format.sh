#!/usr/bin/env bash
# Every C file of lib/, daemon/ and ctl/ is formatted as .clang-format says, with the clang-format
# Debian 12 ships (14): a difference fails and names the file and line.
set -euo pipefail
root=$(dirname "$(realpath "$0")")/..
command -v clang-format >/dev/null || { echo "FAIL: clang-format is missing (apt-get install clang-format)" >&2; exit 1; }
version=$(clang-format --version | grep -oE 'version [0-9]+' | cut -d' ' -f2)
[[ $version == 14 ]] || echo "note: clang-format $version, not Debian 12's 14: its output may differ" >&2
cd "$root"
mapfile -t files < <(git ls-files 'lib/*.[ch]' 'daemon/*.[ch]' 'ctl/*.[ch]' 2>/dev/null || find lib daemon ctl -name '*.[ch]')
((${#files[@]} > 0)) || { echo "FAIL: no C files found under lib/ daemon/ ctl/" >&2; exit 1; }
clang-format --dry-run --Werror "${files[@]}"
echo "ok: ${#files[@]} files formatted"
