#!/usr/bin/env bash
# packaging/cloud-init/routeguard.yaml as the user data of a new node: Debian 12's own cloud-init
# (22.4) in the cached root (tests/package/lib.sh), the NoCloud seed filled in the way the snippet
# says, and one boot. By the end of that first boot the package must be installed from the signed
# repository, routeguard.service active with the snippet's drop-in, and the conffile untouched.
#   sudo tests/package/cloud-init-nspawn.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
pkg_init reprepro gpg gpgv dpkg-buildpackage base64
cidr=10.244.0.0/16 # not the package's default 10.42.0.0/16: the drop-in must be what counts

step "build and publish 0.1.0"
"$pkg_tree/packaging/build-deb.sh" "$tmp/debs" >/dev/null
"$pkg_tree/packaging/apt-repo.sh" "$tmp/repo" --key-dir "$tmp/key" --deb "$tmp/debs/routeguard_0.1.0_amd64.deb" \
	>"$tmp/apt-repo.log" 2>&1 || fail "apt-repo.sh: $(cat "$tmp/apt-repo.log")"

pkg_derived_root cloud-init cloud-init
pkg_root_from "$derived_root"
step "seed NoCloud with the snippet, filled in as its header says"
seed=$root/var/lib/cloud/seed/nocloud
mkdir -p "$seed"
sed -e "s|@ROUTEGUARD_APT_URL@|http://127.0.0.1:8080|" \
	-e "s|@ROUTEGUARD_KEYRING_BASE64@|$(base64 -w0 "$tmp/repo/routeguard-archive-keyring.gpg")|" \
	-e "s|@NATIVE_ROUTING_CIDR@|$cidr|" \
	"$pkg_tree/packaging/cloud-init/routeguard.yaml" >"$seed/user-data"
! grep -n "@[A-Z_]*@" "$seed/user-data" || fail "a template variable is left in the user data"
printf 'instance-id: routeguard-test-%s\nlocal-hostname: routeguard-node\n' "$$" >"$seed/meta-data"
cp "$pkg_tree/packaging/cloud-init/routeguard.yaml" "$root/var/tmp/template.yaml"
# What a cloud image's system configuration would say: NoCloud only (no other datasource to probe
# in a container without network), and a locale the debootstrapped root has (an image has
# en_US.UTF-8 generated; this root has none, and cloud-init's locale module would fail on it).
cat >"$root/etc/cloud/cloud.cfg.d/90-routeguard-test.cfg" <<'EOF'
datasource_list: [NoCloud]
locale: C.UTF-8
EOF
# The repository on the container's loopback, up before cloud-init's config and final stages (the
# final one installs packages); active only once it answers.
cat >"$root/etc/systemd/system/routeguard-test-apt.service" <<'EOF'
[Unit]
Description=routeguard test: the APT repository on loopback
Before=cloud-config.service cloud-final.service

[Service]
ExecStart=/usr/bin/python3 -m http.server --bind 127.0.0.1 --directory /srv/routeguard-apt 8080
ExecStartPost=/usr/bin/python3 -c "import socket, time; [time.sleep(0.1) for _ in range(100) if socket.socket().connect_ex(('127.0.0.1', 8080))]"
EOF
mkdir -p "$root/etc/systemd/system/cloud-config.service.wants"
ln -s ../routeguard-test-apt.service "$root/etc/systemd/system/cloud-config.service.wants/"
[[ ! -e $root/usr/sbin/routeguardd ]] || fail "routeguard is already in the root"

step "first boot"
start=$(date +%s)
boot --bind-ro="$tmp/repo:/srv/routeguard-apt"
echo "ok: booted, cloud-init's stages done, in $(($(date +%s) - start)) s"
inside cloud-init status --long >"$tmp/ci-status" 2>&1 || true
grep -q "^status: done" "$tmp/ci-status" || fail "cloud-init: $(cat "$tmp/ci-status"; inside tail -n 30 /var/log/cloud-init-output.log)"
# status done: no module failed. Warnings of the modules the snippet uses (the root has no ssh, whose
# modules warn: a cloud image has it).
if inside grep -E "(WARNING|ERROR).*(write_files|write-files|package|apt)" /var/log/cloud-init.log >"$tmp/ci-problems"; then
	fail "cloud-init warned: $(head -n 20 "$tmp/ci-problems")"
fi
inside cloud-init schema --config-file /var/lib/cloud/seed/nocloud/user-data >/dev/null ||
	fail "cloud-init's schema refuses the filled-in snippet"
inside cloud-init schema --config-file /var/tmp/template.yaml >/dev/null ||
	fail "cloud-init's schema refuses the snippet as shipped"
inside python3 - /var/lib/cloud/seed/nocloud/user-data <<'PY' || fail "the snippet does more than it says"
import sys, yaml
keys = set(yaml.safe_load(open(sys.argv[1])))
assert keys == {"write_files", "package_update", "packages"}, keys
PY

step "the package came from the signed repository and runs with the snippet's drop-in"
[[ $(inside dpkg-query -W -f='${Status} ${Version}' routeguard) == "install ok installed 0.1.0" ]] ||
	fail "routeguard is not installed: $(inside tail -n 30 /var/log/cloud-init-output.log)"
[[ -s $root/var/lib/apt/lists/127.0.0.1:8080_dists_bookworm_InRelease ]] || fail "apt kept no verified InRelease"
wait_active routeguard
inside routeguardctl --json status >"$tmp/status.json" || true
python3 - "$tmp/status.json" "$cidr" <<'PY' || fail "the daemon does not run with the snippet's configuration: $(cat "$tmp/status.json")"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["mode"] == "observe", s["mode"]
assert s["config"]["native-routing-cidr"] == sys.argv[2], s["config"]
PY
# dpkg --verify names changed files (conffiles included): the package's own routeguard.yaml is as shipped.
[[ -z $(inside dpkg --verify routeguard) ]] || fail "dpkg --verify: $(inside dpkg --verify routeguard)"
[[ ! -e $root/etc/routeguard/routeguard.yaml.dpkg-dist && ! -e $root/etc/routeguard/routeguard.yaml.dpkg-old ]] ||
	fail "dpkg and cloud-init disagreed over the conffile"
echo "ok: installed from http://127.0.0.1:8080 at first boot, active, observe mode, native-routing-cidr $cidr"

poweroff
echo "PASS"
