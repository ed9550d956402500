#!/usr/bin/env bash
# The package under a real systemd: the cached Debian 12 root of lib.sh, the .deb installed
# into it, booted with systemd-nspawn -b --keep-unit --private-network. The service must reach
# active (Type=notify: READY=1), log alerts with MESSAGE_IDs to the journal and answer
# routeguardctl, on a node with no native device and no K3s. Then an upgrade to a rebuilt higher
# version keeps an edited conffile, and purge removes the state.
#   sudo tests/package/install-nspawn.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
pkg_init dpkg-buildpackage

"$here/build-deb.sh" "$tmp/debs" >/dev/null
"$here/build-deb.sh" "$tmp/debs" 0.1.1 >/dev/null

pkg_base_root
pkg_root_from "$base_root"
cp "$tmp"/debs/*.deb "$root/var/tmp/"

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
