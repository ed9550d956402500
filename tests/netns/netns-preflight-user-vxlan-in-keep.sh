#!/usr/bin/env bash
# A vxlan of the operator's own: a tunnel-device finding, until devices.keep names it.
source "$(dirname "$0")/lib.sh"
netns_setup keep
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
n link add vxlan-storage type vxlan id 100 dstport 4789 dev eth0
expect_preflight 1 "tunnel-device vxlan-storage"
EXTRA_YAML='devices: {keep: ["vxlan-stor*"]}' host_dirs
expect_preflight 0
echo "PASS"
