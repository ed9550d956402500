#!/usr/bin/env bash
# --config on the command line, after other flags, in its three spellings; the file's disable list
# and the command line's --disable add up (K3s appends slice flags, whatever its docs say).
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/k3s-node.sh"
netns_setup k3scfgflag
PEERS=(192.168.1.3)
k3s_node
ready_node
installer_env k3s K3S_TOKEN=secret
mkdir -p "$R/srv"
printf 'flannel-backend: none\ndisable: [traefik]\ndisable-network-policy: true\ndisable-kube-proxy: true\n' >"$R/srv/k3s.yaml"
printf 'flannel-backend: vxlan\n' >"$R/etc/rancher/k3s/config.yaml" # a decoy

for spelling in "--config /srv/k3s.yaml" "--config=/srv/k3s.yaml" "-c /srv/k3s.yaml"; do
	step "$spelling"
	# shellcheck disable=SC2086 # the spelling is one or two arguments
	installer_unit k3s server --disable=servicelb $spelling
	expect_preflight 0
	[[ $(k3s_json '["config-file"]') == /srv/k3s.yaml ]] || fail "$spelling: not read"
	[[ $(k3s_json '["config-file-source"]') == "k3s.service: ExecStart" ]] || fail "$spelling: the choice does not name the unit"
done
# the disable list from the unit test of the same rule; here: what preflight prints for it
preflight_text
grep -q "/srv/k3s.yaml  (config file)" "$TMP/preflight.txt" || fail "sources: /srv/k3s.yaml missing"
if grep -q "/etc/rancher/k3s/config.yaml" "$TMP/preflight.txt"; then fail "the default file was read"; fi
echo "PASS"
