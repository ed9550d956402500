# shellcheck shell=bash
# Sourced by the package tests: a Debian 12 root made once by debootstrap and cached in the build
# tree, a copy of it per test, booted with systemd-nspawn -b --keep-unit --private-network
# --register=no (no host systemd, no host network), and a cleanup on every exit.
#   . "$here/lib.sh"; pkg_init TOOL...; pkg_base_root; pkg_root_from "$base_root"; boot; inside CMD...
# After pkg_init: $tmp (removed on exit), $machine; after pkg_root_from: $root; after boot: $init.

pkg_here=$(dirname "$(realpath "${BASH_SOURCE[0]}")")
pkg_tree=$(realpath "$pkg_here/../..")
# The cached root lives in the build tree, never among the host's own files.
pkg_cache=${ROUTEGUARD_ROOT_CACHE:-$pkg_tree/build/nspawn-bookworm}
# What the root needs beyond minbase: systemd to boot, the package's libraries so that dpkg -i and
# apt install nothing from the network (every library in the .deb's Depends: a new one goes here),
# python3 for a loopback HTTP server inside the container.
# The list is stamped into the cache: a cache made with another list is made again.
PKG_INCLUDE=systemd,systemd-sysv,dbus,iproute2,libmnl0,libnl-3-200,libnl-route-3-200,libyaml-0-2,libjson-c5,libcurl4,libnftnl11,libip4tc2,libip6tc2,python3

tmp=""
base_root=""
derived_root=""
nspawn_pid=""
init=""
root=""

fail() {
	echo "FAIL: $*" >&2
	exit 1
}
step() { echo "--- $*"; }

pkg_cleanup() {
	local rc=$?
	if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill "$nspawn_pid" 2>/dev/null || true
		wait "$nspawn_pid" 2>/dev/null || true
	fi
	if ((rc != 0)) && [[ -s $tmp/console.log ]]; then
		echo "--- container console:" >&2
		tail -n 20 "$tmp/console.log" >&2 || true
	fi
	[[ -n $tmp ]] && rm -rf "$tmp"
	exit "$rc"
}

# pkg_init TOOL...: root, the tools (with the package that brings each), a temporary directory.
pkg_init() {
	local tool
	[[ $(id -u) == 0 ]] || fail "needs root"
	for tool in debootstrap systemd-nspawn nsenter python3 "$@"; do
		command -v "$tool" >/dev/null || fail "$tool is missing (tests/install-deps.sh installs it)"
	done
	tmp=$(mktemp -d /tmp/routeguard-pkg.XXXXXX)
	# A machine name of this run's own: nspawn keeps per-name state under /run/systemd/nspawn.
	machine=routeguard-pkg-$$
	trap pkg_cleanup EXIT
	trap 'exit 130' INT TERM
}

# pkg_base_root: the cached Debian 12 root, made here the first time (about a minute), in $base_root.
pkg_base_root() {
	if [[ ! -d $pkg_cache/usr || $(cat "$pkg_cache/.routeguard-include" 2>/dev/null) != "$PKG_INCLUDE" ]]; then
		echo "--- debootstrap of Debian 12 into $pkg_cache (once; about a minute)" >&2
		mkdir -p "$(dirname "$pkg_cache")"
		rm -rf "$pkg_cache.tmp"
		debootstrap --variant=minbase --include="$PKG_INCLUDE" bookworm "$pkg_cache.tmp" \
			>"$tmp/debootstrap.log" 2>&1 || { tail "$tmp/debootstrap.log" >&2; fail "debootstrap"; }
		echo "$PKG_INCLUDE" >"$pkg_cache.tmp/.routeguard-include"
		rm -rf "$pkg_cache"
		mv "$pkg_cache.tmp" "$pkg_cache"
	fi
	base_root=$pkg_cache
}

# pkg_derived_root NAME PACKAGE...: the base root plus PACKAGEs, installed by apt inside it from
# Debian's mirror (the host's network, this once), cached beside the base, in $derived_root.
pkg_derived_root() {
	local name=$1 base derived stamp
	shift
	pkg_base_root
	base=$base_root
	derived=$base-$name
	stamp="$PKG_INCLUDE $*"
	if [[ ! -d $derived/usr || $(cat "$derived/.routeguard-include" 2>/dev/null) != "$stamp" ]]; then
		echo "--- $name: $base plus $* into $derived (once)" >&2
		rm -rf "$derived.tmp"
		cp -a "$base" "$derived.tmp"
		systemd-nspawn -q -D "$derived.tmp" -M "$machine-setup" --register=no --keep-unit --pipe \
			sh -c 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" && apt-get clean' \
			sh "$@" </dev/null >"$tmp/derive.log" 2>&1 || { tail -n 20 "$tmp/derive.log" >&2; fail "apt-get install $* in the root"; }
		echo "$stamp" >"$derived.tmp/.routeguard-include"
		rm -rf "$derived"
		mv "$derived.tmp" "$derived"
	fi
	derived_root=$derived
}

# pkg_root_from CACHE: this test's own copy of a cached root, in $root. Its apt sources are emptied:
# with --private-network Debian's mirror is out of reach, and the tests' repositories are the only ones.
pkg_root_from() {
	root=$tmp/root
	cp -a "$1" "$root"
	: >"$root/etc/apt/sources.list"
	rm -f "$root/.routeguard-include"
}

# in_root CMD...: runs CMD in the root, not booted (dpkg -i starts nothing there).
# (nspawn's complaint about its propagation directory on the way out is noise: filtered.)
in_root() {
	systemd-nspawn -q -D "$root" -M "$machine" --register=no --keep-unit --pipe "$@" \
		2> >(grep -v "Attempted to remove disk file system" >&2)
}

# The container's systemd: a process named systemd with our nspawn among its ancestors. (nspawn may
# or may not put a helper process of its own in between, depending on the console.)
container_init() {
	local pid p
	for pid in $(pgrep -x systemd || true); do
		p=$pid
		while [[ -n $p && $p -gt 1 ]]; do
			p=$(ps -o ppid= -p "$p" 2>/dev/null | tr -d ' ')
			[[ $p == "$nspawn_pid" ]] && { echo "$pid"; return 0; }
		done
	done
}

# boot [NSPAWN_OPTION...]: boots $root and waits until its systemd has no job left (running or
# degraded): whatever the boot does, cloud-init's stages included, is done when it returns.
boot() {
	local state="" _
	# read-only console: CI has no standard input, and a console that reads EOF halts the container.
	systemd-nspawn -q -D "$root" -M "$machine" -b --register=no --keep-unit --private-network \
		--console=read-only "$@" </dev/null >"$tmp/console.log" 2>&1 &
	nspawn_pid=$!
	init=""
	for _ in $(seq 100); do
		init=$(container_init)
		[[ -n $init ]] && break
		sleep 0.1
	done
	[[ -n $init ]] || fail "the container did not start"
	for _ in $(seq 1800); do
		state=$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null || true)
		[[ $state == running || $state == degraded ]] && return 0
		sleep 0.1
	done
	nsenter -t "$init" -a systemctl list-jobs --no-pager >&2 || true
	fail "the container did not finish booting: $state (init $init)"
}
inside() { nsenter -t "$init" -a "$@"; }
poweroff() {
	# systemd may go down before it answers: "Connection reset by peer" is no failure.
	inside systemctl poweroff 2>/dev/null || true
	wait "$nspawn_pid" 2>/dev/null || true
	nspawn_pid=""
}

# wait_active UNIT: up to 20 s for UNIT to be active.
wait_active() {
	local _
	for _ in $(seq 200); do
		[[ $(inside systemctl is-active "$1") == active ]] && return 0
		sleep 0.1
	done
	fail "$1 is not active: $(inside systemctl status "$1" --no-pager 2>&1 | tail -n 15)"
}

# serve_repo DIR PORT: an HTTP server for DIR (a path inside the container) on the container's own
# loopback, as a transient unit that dies with the container; returns once it answers.
serve_repo() {
	local _
	inside systemd-run -q --unit="routeguard-test-http-$2" --working-directory="$1" \
		/usr/bin/python3 -m http.server --bind 127.0.0.1 "$2" || fail "cannot start the HTTP server on port $2"
	for _ in $(seq 100); do
		inside bash -c "exec 3<>/dev/tcp/127.0.0.1/$2" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "the HTTP server on port $2 does not answer"
}

# evaluations: how many evaluations routeguardd has finished (status exits 1 with findings open).
evaluations() {
	{ inside routeguardctl --json status || true; } |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["evaluations"])'
}

# evaluate_again: a veth pair comes and goes in the container, and the wait (10 s at most) until
# routeguardd has finished an evaluation that began after this call (numbered past the count read
# first: its loop answers status only between evaluations). Whatever a later evaluation would do
# again (an alert, a retried action) has then been done.
evaluate_again() {
	local before _
	before=$(evaluations) || fail "routeguardctl --json status did not answer"
	inside ip link add rg-probe0 type veth peer name rg-probe1 || fail "cannot add a veth pair in the container"
	inside ip link del rg-probe0
	for _ in $(seq 100); do
		(($(evaluations) > before)) && return 0
		sleep 0.1
	done
	fail "routeguardd did not evaluate after a link change (evaluations still $before)"
}

# journal_caught_up: a marker sent through the journal's native socket, the one routeguardd's alerts
# take, and the wait (10 s at most) until journalctl shows it: journald reads that socket in order,
# so every alert sent before the call is in the journal when it returns.
journal_caught_up() {
	local marker="routeguard-test-marker-$$-$RANDOM" _
	printf 'MESSAGE=%s\nSYSLOG_IDENTIFIER=routeguard-test\n' "$marker" | inside logger --journald ||
		fail "logger --journald failed in the container"
	for _ in $(seq 100); do
		inside journalctl -t routeguard-test -o cat --no-pager | grep -x "$marker" >/dev/null && return 0
		sleep 0.1
	done
	fail "the journal did not show the marker $marker within 10 s"
}

# journal_alerts FILE: routeguard's alerts (entries with ROUTEGUARD_CHECK) in the container's journal,
# one "MESSAGE_ID CHECK SUBJECT" line each.
journal_alerts() {
	inside journalctl -u routeguard -o json --no-pager | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    if e.get("ROUTEGUARD_CHECK"):
        print(e.get("MESSAGE_ID", "-"), e["ROUTEGUARD_CHECK"], e.get("ROUTEGUARD_SUBJECT", "-"))
' >"$1"
}
