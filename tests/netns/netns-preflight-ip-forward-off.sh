#!/usr/bin/env bash
# net.ipv4.ip_forward is per network namespace: off in this one (the test's own), preflight says so.
source "$(dirname "$0")/lib.sh"
netns_setup forward
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 0
expect_preflight 1 "ip-forward-disabled net.ipv4.ip_forward"
forwarding 1
expect_preflight 0
echo "PASS"
