#!/usr/bin/env bash
# The operator's path through APT, in a booted Debian 12 (tests/package/lib.sh): packaging/apt-repo.sh
# publishes 0.1.0, the container serves the repository on its own loopback, and apt installs from it
# with signed-by; a repository signed by another key is refused. Then 0.1.1 (whose default conffile
# changed) is published into the same repository and apt-get upgrade keeps the operator's edited
# conffile, restarts the daemon and repeats no alert.
#   sudo tests/package/apt-repo-nspawn.sh
set -euo pipefail
here=$(dirname "$(realpath "$0")")
. "$here/lib.sh"
pkg_init reprepro gpg gpgv dpkg-buildpackage

step "build 0.1.0, and 0.1.1 whose default routeguard.yaml differs"
"$pkg_tree/packaging/build-deb.sh" "$tmp/debs" >/dev/null
mkdir "$tmp/tree"
tar -C "$pkg_tree" --exclude=./build --exclude=./.git -cf - . | tar -C "$tmp/tree" -xf -
echo "# 0.1.1: a comment the operator's copy does not have" >>"$tmp/tree/packaging/routeguard.yaml"
"$tmp/tree/packaging/build-deb.sh" "$tmp/debs" 0.1.1 >/dev/null

step "publish 0.1.0 with a new key, and a second repository signed by another key"
"$pkg_tree/packaging/apt-repo.sh" "$tmp/repo" --key-dir "$tmp/key" --deb "$tmp/debs/routeguard_0.1.0_amd64.deb" \
	>/dev/null 2>"$tmp/apt-repo.err" || { cat "$tmp/apt-repo.err" >&2; fail "apt-repo.sh"; }
grep -q "generated a new signing key" "$tmp/apt-repo.err" || fail "apt-repo.sh did not say it made a key: $(cat "$tmp/apt-repo.err")"
[[ -s $tmp/key/signing-key.asc && ! -e $tmp/repo/signing-key.asc ]] || fail "the secret key is not where it belongs"
"$pkg_tree/packaging/apt-repo.sh" "$tmp/rogue" --key-dir "$tmp/rogue-key" --deb "$tmp/debs/routeguard_0.1.0_amd64.deb" \
	>/dev/null 2>&1 || fail "apt-repo.sh (second key)"
mkdir -m 700 "$tmp/gnupg"
rogue_key=$(GNUPGHOME=$tmp/gnupg gpg --quiet --show-keys --with-colons "$tmp/rogue/routeguard-archive-keyring.gpg" | awk -F: '$1 == "pub" {print $5; exit}')

pkg_base_root
pkg_root_from "$base_root"
step "boot, serve both repositories on the container's loopback"
# Bound, not copied: what apt-repo.sh publishes later on the host is what the container serves.
boot --bind-ro="$tmp/repo:/srv/routeguard-apt" --bind-ro="$tmp/rogue:/srv/rogue-apt"
serve_repo /srv/routeguard-apt 8080
serve_repo /srv/rogue-apt 8081
# The operator's by-hand steps (README, Fleet): the keyring from the repository, a source with signed-by.
inside python3 -c 'import urllib.request as u; u.urlretrieve("http://127.0.0.1:8080/routeguard-archive-keyring.gpg", "/etc/apt/keyrings/routeguard-archive-keyring.gpg")' ||
	fail "cannot fetch the keyring"

step "a repository signed by another key is refused"
echo "deb [signed-by=/etc/apt/keyrings/routeguard-archive-keyring.gpg] http://127.0.0.1:8081 bookworm main" \
	>"$root/etc/apt/sources.list.d/routeguard.list"
status=0
inside apt-get update >"$tmp/update-rogue.log" 2>&1 || status=$?
((status != 0)) || fail "apt-get update accepted a repository signed by another key: $(cat "$tmp/update-rogue.log")"
grep -q "NO_PUBKEY $rogue_key" "$tmp/update-rogue.log" && grep -q "is not signed" "$tmp/update-rogue.log" ||
	fail "apt did not refuse for the signature: $(cat "$tmp/update-rogue.log")"
[[ -z $(inside apt-cache policy routeguard) ]] || fail "routeguard is installable from the refused repository"
echo "ok: refused ($(grep -o "NO_PUBKEY $rogue_key" "$tmp/update-rogue.log" | head -n 1))"

step "install 0.1.0 from the repository"
echo "deb [signed-by=/etc/apt/keyrings/routeguard-archive-keyring.gpg] http://127.0.0.1:8080 bookworm main" \
	>"$root/etc/apt/sources.list.d/routeguard.list"
inside apt-get update >"$tmp/update.log" 2>&1 || fail "apt-get update: $(cat "$tmp/update.log")"
! grep -E "^(W|E):" "$tmp/update.log" || fail "apt-get update warned"
[[ -s $root/var/lib/apt/lists/127.0.0.1:8080_dists_bookworm_InRelease ]] || fail "apt kept no verified InRelease"
inside env DEBIAN_FRONTEND=noninteractive apt-get install -y routeguard >"$tmp/install.log" 2>&1 ||
	fail "apt-get install: $(tail -n 20 "$tmp/install.log")"
grep -q "Get:1 http://127.0.0.1:8080 bookworm/main amd64 routeguard amd64 0.1.0" "$tmp/install.log" ||
	fail "routeguard did not come from the repository: $(cat "$tmp/install.log")"
wait_active routeguard
status=0
inside routeguardctl --no-color ready >"$tmp/ready.txt" || status=$?
# No native device and no K3s in the container: not ready (1) is the answer; 2 would be no answer.
((status == 0 || status == 1)) || fail "routeguardctl ready exited $status: $(cat "$tmp/ready.txt")"
echo "ok: installed from the signed repository, active, ready answers: $(cat "$tmp/ready.txt")"

step "publish 0.1.1 into the same repository; apt-get upgrade"
inside sh -c 'echo "# edited by the operator" >>/etc/routeguard/routeguard.yaml'
pid_before=$(inside systemctl show -p MainPID --value routeguard)
journal_alerts "$tmp/alerts-before"
[[ -s $tmp/alerts-before ]] || fail "no alert in the journal before the upgrade"
"$pkg_tree/packaging/apt-repo.sh" "$tmp/repo" --key-dir "$tmp/key" --deb "$tmp/debs/routeguard_0.1.1_amd64.deb" \
	>"$tmp/publish.log" 2>&1 || fail "apt-repo.sh 0.1.1: $(cat "$tmp/publish.log")"
inside apt-get update >"$tmp/update2.log" 2>&1 || fail "apt-get update after 0.1.1: $(cat "$tmp/update2.log")"
# Non-interactive, and dpkg keeps a changed conffile without asking: unattended-upgrades' choice too.
inside env DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confdef \
	-o Dpkg::Options::=--force-confold upgrade >"$tmp/upgrade.log" 2>&1 || fail "apt-get upgrade: $(tail -n 20 "$tmp/upgrade.log")"
[[ $(inside dpkg-query -W -f='${Version}' routeguard) == 0.1.1 ]] || fail "not upgraded: $(cat "$tmp/upgrade.log")"
grep -q "^# edited by the operator" "$root/etc/routeguard/routeguard.yaml" || fail "the upgrade lost the operator's edit"
grep -q "^# 0.1.1:" "$root/etc/routeguard/routeguard.yaml.dpkg-dist" || fail "no routeguard.yaml.dpkg-dist with 0.1.1's default"
wait_active routeguard
pid_after=$(inside systemctl show -p MainPID --value routeguard)
[[ $pid_after != "$pid_before" && $pid_after != 0 ]] || fail "the daemon was not restarted (MainPID $pid_before, now $pid_after)"
status=0
inside routeguardctl --no-color ready >/dev/null || status=$?
((status == 0 || status == 1)) || fail "routeguardctl ready exited $status after the upgrade"
# ready answers 0 or 1 only once the first evaluation is done (2 before it): a repeated alert would
# come from it, or from a later one; then the journal must have taken in what they sent.
evaluate_again
journal_caught_up
journal_alerts "$tmp/alerts-after"
cmp -s "$tmp/alerts-before" "$tmp/alerts-after" ||
	fail "alerts repeated by the restart: $(diff "$tmp/alerts-before" "$tmp/alerts-after")"
echo "ok: 0.1.1 installed, edit kept (0.1.1's default beside it as .dpkg-dist), MainPID $pid_before -> $pid_after, $(wc -l <"$tmp/alerts-after") alert(s), none repeated"

poweroff
echo "PASS"
