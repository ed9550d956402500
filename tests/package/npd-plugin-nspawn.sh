#!/usr/bin/env bash
# The node-problem-detector plugin as the package installs it, in a booted Debian 12
# (tests/package/lib.sh): its rule run the way NPD's custom plugin monitor runs it (exit 0 OK,
# 1 NonOK, anything else Unknown: pkg/custompluginmonitor/plugin/plugin.go), before the daemon has
# ever answered, while it answers and after it stopped. Then purge removes the plugin config.
#   sudo tests/package/npd-plugin-nspawn.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
pkg_init dpkg-buildpackage
plugin=/usr/share/routeguard/node-problem-detector/routeguard-plugin.json

step "install 0.1.0, the service left stopped"
"$pkg_tree/packaging/build-deb.sh" "$tmp/debs" >/dev/null
pkg_base_root
pkg_root_from "$base_root"
cp "$tmp/debs/routeguard_0.1.0_amd64.deb" "$root/var/tmp/"
in_root dpkg -i /var/tmp/routeguard_0.1.0_amd64.deb >"$tmp/install.log" 2>&1 || fail "dpkg -i: $(cat "$tmp/install.log")"
in_root dpkg -L routeguard | grep -qx "$plugin" || fail "the package does not ship $plugin"
in_root systemctl disable -q routeguard
# NPD's side of the contract: the rule and its limits, run as its plugin monitor does.
cat >"$root/var/tmp/npd-run.py" <<'PY'
import json, subprocess, sys
config = json.load(open(sys.argv[1]))
limit = config["pluginConfig"]["max_output_length"]
(rule,) = config["rules"]
timeout = float(rule.get("timeout", config["pluginConfig"]["timeout"]).rstrip("s"))
try:
    p = subprocess.run([rule["path"]] + rule["args"], capture_output=True, text=True, timeout=timeout)
    code, out = p.returncode, p.stdout.strip()
except (OSError, subprocess.TimeoutExpired) as e:
    code, out = None, str(e)
status = {0: "OK", 1: "NonOK"}.get(code, "Unknown")
print("%s %s: %s" % (status, rule["condition"], out[:limit]))
if len(out) > limit:
    print("output over %d characters: %r" % (limit, out), file=sys.stderr)
    sys.exit(1)
PY
npd_run() { inside python3 /var/tmp/npd-run.py "$plugin"; }

boot
[[ $(inside systemctl is-active routeguard) != active ]] || fail "routeguard runs although disabled"

step "before the daemon has ever answered: Unknown"
result=$(npd_run) || fail "the plugin's output: $result"
[[ $result == "Unknown NativeRoutingReady: unknown:"* ]] || fail "not Unknown before the daemon answered: $result"
echo "ok: $result"

step "the daemon answers: a verdict"
inside systemctl start routeguard
wait_active routeguard
result=$(npd_run) || fail "the plugin's output: $result"
# No native device in the container: NonOK (the condition True, a problem); never Unknown now.
[[ $result == "NonOK NativeRoutingReady: not ready:"* ]] || fail "no verdict while the daemon runs: $result"
echo "ok: $result"

step "the daemon stopped: Unknown again, not the last verdict"
inside systemctl stop routeguard
result=$(npd_run) || fail "the plugin's output: $result"
[[ $result == "Unknown NativeRoutingReady: unknown:"* ]] || fail "not Unknown after the daemon stopped: $result"
echo "ok: $result"

step "purge removes the plugin config"
cp "$root$plugin" "$root/var/tmp/plugin.json"
inside dpkg --purge routeguard >"$tmp/purge.log" 2>&1 || fail "purge: $(cat "$tmp/purge.log")"
[[ ! -e $root$plugin && ! -e $root/usr/share/routeguard ]] || fail "purge left $plugin"
# An NPD that still holds a copy of the config finds no routeguardctl: Unknown, not healthy.
result=$(inside python3 /var/tmp/npd-run.py /var/tmp/plugin.json) || fail "the plugin's output: $result"
[[ $result == "Unknown NativeRoutingReady:"* ]] || fail "not Unknown without the package: $result"
echo "ok: gone; a stale copy of the config reports: $result"
poweroff
echo "PASS"
