#!/usr/bin/env bash
# A read of the host's files that overruns its 2 s wait leaves evaluation on the facts read before
# (issue 13), and that is visible: the status object's "host-files" says stale, since when, and
# when the facts in use were read; the journal says so; both clear once the read ends. The read is
# held by a CNI entry on a FUSE mount that never answers (a hung mount).
source "$(dirname "$0")/lib.sh"
netns_setup stale
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
CNI=$TMP/cni/net.d
mkdir -p "$TMP/new"
daemon_start
wait_ready
expect_findings
status_has 's["host-files"]["stale"] is False and s["host-files"]["read"] and "reading-since" not in s["host-files"]' ||
	fail "host-files does not say current after the first read: $(cat "$TMP/status.json")"
echo "ok: host files current, read at $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["host-files"]["read"])' "$TMP/status.json")"

step "a CNI entry on a hung mount, and a Flannel conflist beside it: the read hangs"
mkdir "$CNI/99-stuck.conflist"
fuse_stuck "$CNI/99-stuck.conflist"
flannel_conflist "$TMP/new"
mv "$TMP/new/10-flannel.conflist" "$CNI/"
wait_until 15 "the status says stale" status_has 's["host-files"]["stale"] is True'
grep -q "takes more than 2 s; evaluating with what was read at" "$TMP/daemon.log" ||
	fail "no journal line says the facts in use are old"
echo "ok: $(grep -m1 "takes more than 2 s" "$TMP/daemon.log")"
status_has 's["host-files"]["reading-since"] >= s["host-files"]["read"]' ||
	fail "reading-since is missing or before read: $(cat "$TMP/status.json")"
# The evaluation after the wait ran on the facts read before: no Flannel conflist in them.
status_has 's["counters"]["evaluations"] >= 2' || fail "no evaluation after the wait"
findings_are || fail "findings changed while the read hung: the new file was seen"
echo "ok: the verdict stands on the previous read"

step "the mount fails and the entry goes: the read ends, the new facts reach the verdict"
fuse_release
rm -rf "$CNI/99-stuck.conflist"
wait_until 15 "the status says current" status_has 's["host-files"]["stale"] is False and "reading-since" not in s["host-files"]'
grep -q "The host's configuration was read after" "$TMP/daemon.log" || fail "the slow read's end was not logged"
echo "ok: $(grep -m1 "The host's configuration was read after" "$TMP/daemon.log")"
expect_findings "cni-conflist-conflict $CNI/10-flannel.conflist"
echo "PASS"
