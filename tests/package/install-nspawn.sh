#!/usr/bin/env bash
# The package under a real systemd: a debootstrap'd Debian 12 root (cached), the .deb installed
# into it, booted with systemd-nspawn -b --keep-unit --private-network. The service must reach
# active (Type=notify: READY=1), log alerts with MESSAGE_IDs to the journal and answer
# routeguardctl, on a node with no native device and no K3s. Then an upgrade to a rebuilt higher
# version keeps an edited conffile, and purge removes the state.
#   sudo tests/package/install-nspawn.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
# The cached root lives in the build tree, never among the host's own files.
cache=${ROUTEGUARD_ROOT_CACHE:-$(realpath "$here/../..")/build/nspawn-bookworm}
for tool in debootstrap systemd-nspawn nsenter dpkg-buildpackage; do
	command -v "$tool" >/dev/null || { echo "FAIL: $tool is missing (tests/install-deps.sh installs it)" >&2; exit 1; }
done
[[ $(id -u) == 0 ]] || { echo "FAIL: needs root" >&2; exit 1; }

tmp=$(mktemp -d /tmp/routeguard-nspawn.XXXXXX)
nspawn_pid=""
cleanup() {
	local rc=$?
	if [[ -n $nspawn_pid ]] && kill -0 "$nspawn_pid" 2>/dev/null; then
		kill "$nspawn_pid" 2>/dev/null || true
		wait "$nspawn_pid" 2>/dev/null || true
	fi
	((rc == 0)) || { echo "--- container console:" >&2; tail -n 20 "$tmp/console.log" >&2 2>/dev/null || true; }
	rm -rf "$tmp"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
fail() { echo "FAIL: $*" >&2; exit 1; }

"$here/build-deb.sh" "$tmp/debs" >/dev/null
"$here/build-deb.sh" "$tmp/debs" 0.1.1 >/dev/null

if [[ ! -d $cache/usr ]]; then
	echo "--- debootstrap of Debian 12 into $cache (once; about a minute)"
	mkdir -p "$(dirname "$cache")"
	rm -rf "$cache.tmp"
	debootstrap --variant=minbase \
		--include=systemd,systemd-sysv,dbus,iproute2,libmnl0,libnl-3-200,libnl-route-3-200,libyaml-0-2,libjson-c5 \
		bookworm "$cache.tmp" >"$tmp/debootstrap.log" 2>&1 || { tail "$tmp/debootstrap.log" >&2; fail "debootstrap"; }
	mv "$cache.tmp" "$cache"
fi
root=$tmp/root
cp -a "$cache" "$root"
cp "$tmp"/debs/*.deb "$root/var/tmp/"

# A machine name of this run's own: nspawn keeps per-name state under /run/systemd/nspawn.
machine=routeguard-install-$$
in_root() { systemd-nspawn -q -D "$root" -M "$machine" --register=no --keep-unit --pipe "$@"; }
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

boot() {
	# read-only console: CI has no standard input, and a console that reads EOF halts the container.
	systemd-nspawn -q -D "$root" -M "$machine" -b --register=no --keep-unit --private-network --console=read-only \
		</dev/null >"$tmp/console.log" 2>&1 &
	nspawn_pid=$!
	init=""
	for _ in $(seq 100); do
		init=$(container_init)
		[[ -n $init ]] && break
		sleep 0.1
	done
	[[ -n $init ]] || fail "the container did not start"
	for _ in $(seq 1200); do
		state=$(nsenter -t "$init" -a systemctl is-system-running 2>/dev/null || true)
		[[ $state == running || $state == degraded ]] && return 0
		sleep 0.1
	done
	ps -o pid,ppid,cmd -e | grep -E "nspawn|systemd$" >&2 || true
	nsenter -t "$init" -a systemctl is-system-running >&2 || true
	fail "the container did not finish booting: $state (init $init)"
}
inside() { nsenter -t "$init" -a "$@"; }
poweroff() {
	inside systemctl poweroff || true
	wait "$nspawn_pid" 2>/dev/null || true
	nspawn_pid=""
}

echo "--- install 0.1.0 (outside a booted system: nothing is started)"
in_root dpkg -i /var/tmp/routeguard_0.1.0_amd64.deb >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log" >&2; fail "dpkg -i"; }
grep -q "^routeguard:" "$root/etc/group" || fail "group routeguard was not created"
[[ -L $root/etc/systemd/system/multi-user.target.wants/routeguard.service ]] || fail "the service is not enabled"

echo "--- boot"
boot
[[ $(inside systemctl is-active routeguard) == active ]] || fail "routeguard.service is not active: $(inside systemctl status routeguard --no-pager)"
status=0
inside routeguardctl --no-color ready >"$tmp/ready.txt" || status=$?
((status == 1)) || fail "routeguardctl ready exited $status: $(cat "$tmp/ready.txt")"
grep -q "native-device-missing\|not ready" "$tmp/ready.txt" || fail "ready said: $(cat "$tmp/ready.txt")"
inside journalctl -u routeguard -o json --no-pager >"$tmp/journal.json"
python3 - "$tmp/journal.json" <<'PY' || fail "no alert with a MESSAGE_ID in the journal"
import json, sys
alerts = [e for e in map(json.loads, open(sys.argv[1])) if e.get("ROUTEGUARD_CHECK")]
assert alerts, "no ROUTEGUARD_CHECK entries"
assert all(len(e.get("MESSAGE_ID", "")) == 32 for e in alerts), alerts
print("ok: %d alerts in the journal, e.g. %s %s" % (len(alerts), alerts[0]["MESSAGE_ID"], alerts[0]["ROUTEGUARD_CHECK"]))
PY
inside systemctl show -p InvocationID --value routeguard >"$tmp/invocation"
echo "ok: active, ready answers, alerts in the journal"

echo "--- upgrade to 0.1.1 keeps an edited conffile"
inside sh -c 'echo "# edited by the operator" >> /etc/routeguard/routeguard.yaml'
inside env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confdef --force-confold /var/tmp/routeguard_0.1.1_amd64.deb >"$tmp/upgrade.log" 2>&1 || { cat "$tmp/upgrade.log" >&2; fail "the upgrade"; }
grep -q "^# edited by the operator" "$root/etc/routeguard/routeguard.yaml" || fail "the upgrade lost the edit"
[[ $(inside dpkg-query -W -f='${Version}' routeguard) == 0.1.1 ]] || fail "the upgrade did not install 0.1.1"
for _ in $(seq 200); do [[ $(inside systemctl is-active routeguard) == active ]] && break; sleep 0.1; done
[[ $(inside systemctl is-active routeguard) == active ]] || fail "routeguard is not active after the upgrade"
[[ $(inside systemctl show -p InvocationID --value routeguard) != $(cat "$tmp/invocation") ]] || fail "the upgrade did not restart the service"
echo "ok: upgraded, edit kept, service restarted"

echo "--- purge removes the state"
inside dpkg --purge routeguard >"$tmp/purge.log" 2>&1 || { cat "$tmp/purge.log" >&2; fail "purge"; }
[[ ! -e $root/var/lib/routeguard ]] || fail "purge left /var/lib/routeguard"
[[ ! -e $root/etc/routeguard/routeguard.yaml ]] || fail "purge left the configuration"
poweroff
echo "PASS"
