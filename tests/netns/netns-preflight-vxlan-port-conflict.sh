#!/usr/bin/env bash
# flannel.1 holds UDP 8472; Cilium's external cilium_vxlan on the same port can be created but the
# kernel refuses to bring it up ("Address already in use"), which is how Cilium's agent fails.
# preflight names the conflict on flannel.1, judged by port and flags, not by local address.
source "$(dirname "$0")/lib.sh"
netns_setup vxport
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
n link add flannel.1 type vxlan id 1 local 192.168.1.2 dev eth0 dstport 8472 nolearning
n link set flannel.1 up
n link add cilium_vxlan type vxlan external dstport 8472
if out=$(n link set cilium_vxlan up 2>&1); then
	fail "the kernel brought a second, external VXLAN device up on 8472"
fi
[[ $out == *"Address already in use"* ]] || fail "unexpected error bringing cilium_vxlan up: $out"
echo "ok: the kernel refuses cilium_vxlan: $out"

expect_preflight 1 "cilium-tunnel-mode cilium_vxlan" "flannel-device flannel.1" "vxlan-port-conflict flannel.1"
python3 -c 'import json,sys; f=[f for f in json.load(open(sys.argv[1]))["findings"] if f["check"] == "vxlan-port-conflict"][0]; sys.exit(0 if "UDP port 8472" in f["message"] and "address already in use" in f["message"] else 1)' \
	"$TMP/preflight.json" || fail "the message does not name the port and the symptom"

step "a user's plain VXLAN on another local address shares the port: no conflict"
n link del cilium_vxlan
n link add vxlan-user type vxlan id 2 local 192.168.1.9 dev eth0 dstport 8472
n link set vxlan-user up
expect_preflight 1 "flannel-device flannel.1" "tunnel-device vxlan-user"
echo "PASS"
