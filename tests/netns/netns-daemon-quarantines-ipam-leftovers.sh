#!/usr/bin/env bash
# host-local IPAM reservations of K3s's Flannel network (cbr0) whose bridge cni0 is gone: a
# warning naming the directory; in enforce mode the directory moves to the quarantine, whole.
# While cni0 exists, they are no leftovers.
source "$(dirname "$0")/lib.sh"
netns_setup ipam
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
net=$TMP/root/var/lib/cni/networks/cbr0
mkdir -p "$net"
printf '%s\r\neth0' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >"$net/10.42.1.5"
printf '%s\r\neth0' fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210 >"$net/10.42.1.6"
echo 10.42.1.6 >"$net/last_reserved_ip.0"
# host-local IPAM's lock is a regular file; a FIFO planted in its place must not hang the daemon in
# open() (issue 13's FIFO, in the IPAM path): it is no lock to hold, and the directory still moves.
mkfifo "$net/lock"

step "cni0 present: reservations in use"
n link add cni0 type bridge
expect_preflight 1 "flannel-device cni0"

step "cni0 gone: a warning naming the directory, still ready"
n link del cni0
expect_preflight 0 "cni-ipam-leftovers $net"
python3 -c 'import json,sys; f=json.load(open(sys.argv[1]))["findings"][0]; sys.exit(0 if f["severity"] == "warning" and f["message"].startswith("2 IP reservation(s) of the CNI network cbr0") else 1)' \
	"$TMP/preflight.json" || fail "not a warning counting 2 reservations"

step "enforce: the directory moves to the quarantine"
echo "mode: enforce" >>"$TMP/routeguard.yaml"
daemon_start
wait_ready
wait_until 5 "the directory moved" test ! -e "$net"
ls "$TMP/quarantine"/cbr0.*/10.42.1.5 >/dev/null || fail "the reservations are not in the quarantine"
expect_findings
status_has 'any(a["check"] == "cni-ipam-leftovers" and a["result"] == "quarantined" for a in s["actions"])' ||
	fail "no action recorded"
echo "PASS"
