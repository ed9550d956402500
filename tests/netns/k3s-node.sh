# shellcheck shell=bash
# Sourced after lib.sh by the K3s preflight scenarios: a node's root below $TMP/root with K3s's
# units and files written the way the K3s installer (install.sh: create_systemd_service_file,
# create_env_file) writes them, and a routeguard.yaml without a k3s: section, so that preflight
# discovers the units by what they run.

K3S_BIN=/usr/local/bin/k3s

# k3s_node: the root's directories and routeguard.yaml; CNI directories are the root's.
k3s_node() {
	R=$TMP/root
	mkdir -p "$R/etc/systemd/system" "$R/etc/rancher/k3s" "$R/etc/cni/net.d" \
		"$R/var/lib/rancher/k3s/agent/etc/cni/net.d" "$R/var/lib/rancher/k3s/agent/etc/containerd"
	write_config "cni: {conf-dirs: [$R/etc/cni/net.d, $R/var/lib/rancher/k3s/agent/etc/cni/net.d], quarantine-dir: $TMP/quarantine}
${EXTRA_YAML:-}"
}

# installer_unit NAME ROLE ARGS...: /etc/systemd/system/NAME.service in the installer's shape:
# [Install] before [Service], three EnvironmentFile= lines (two with %N), each argument on a line
# of its own, TAB-indented, single-quoted, ending in " \", and an empty line after the last.
# NM_CLOUD_SETUP=1 adds the ExecStartPre= line of the 2021-2025 units.
installer_unit() {
	local name=$1 role=$2 arg
	shift 2
	{
		printf '[Unit]\nDescription=Lightweight Kubernetes\nDocumentation=https://k3s.io\n'
		printf 'Wants=network-online.target\nAfter=network-online.target\n\n'
		printf '[Install]\nWantedBy=multi-user.target\n\n'
		printf '[Service]\nType=notify\n'
		printf 'EnvironmentFile=-/etc/default/%%N\nEnvironmentFile=-/etc/sysconfig/%%N\n'
		printf 'EnvironmentFile=-/etc/systemd/system/%s.service.env\n' "$name"
		printf 'KillMode=process\nDelegate=yes\nUser=root\n'
		printf '# (two comment lines stand here in the installer'"'"'s unit,\n#  about the limits below)\n'
		printf 'LimitNOFILE=1048576\nLimitNPROC=infinity\nLimitCORE=infinity\nTasksMax=infinity\n'
		printf 'TimeoutStartSec=0\nRestart=always\nRestartSec=5s\n'
		if [[ -n ${NM_CLOUD_SETUP:-} ]]; then
			printf "ExecStartPre=/bin/sh -xc '! /usr/bin/systemctl is-enabled --quiet nm-cloud-setup.service'\n"
		fi
		printf 'ExecStartPre=-/sbin/modprobe br_netfilter\nExecStartPre=-/sbin/modprobe overlay\n'
		printf 'ExecStart=%s \\\n    %s \\\n' "$K3S_BIN" "$role"
		for arg in "$@"; do printf "\t'%s' \\\\\n" "$arg"; done
		printf '\n'
	} >"$R/etc/systemd/system/$name.service"
}

# installer_env NAME VAR=VALUE...: NAME.service.env, mode 0600, one K3S_* line each, single-quoted
# as dash's "export" prints them (QUOTE='"' for bash as sh).
installer_env() {
	local name=$1 kv q=${QUOTE:-\'}
	shift
	local f=$R/etc/systemd/system/$name.service.env
	: >"$f"
	chmod 0600 "$f"
	for kv in "$@"; do printf '%s=%s%s%s\n' "${kv%%=*}" "$q" "${kv#*=}" "$q" >>"$f"; done
}

# k3s_json EXPR: a value from the last preflight's "k3s" object, as Python prints it.
k3s_json() {
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["k3s"]'"$1"')' "$TMP/preflight.json"
}

# finding_field CHECK SUBJECT FIELD: one field of a finding of the last preflight.
finding_field() {
	python3 -c 'import json,sys; print([f[sys.argv[4]] for f in json.load(open(sys.argv[1]))["findings"] if f["check"]==sys.argv[2] and f["subject"]==sys.argv[3]][0])' \
		"$TMP/preflight.json" "$1" "$2" "$3"
}

# preflight_text: the text output of preflight in $TMP/preflight.txt.
preflight_text() {
	ip netns exec "$NS" "$ROUTEGUARDCTL" --no-color preflight --config "$TMP/routeguard.yaml" \
		--debug-host-root "$TMP/root" >"$TMP/preflight.txt" 2>&1 || true
}

# ready_node: an L2 node with forwarding on and Cilium's conflist where containerd reads it.
ready_node() {
	l2_nic
	forwarding 1
	echo '{"cniVersion":"0.3.1","name":"cilium","plugins":[{"type":"cilium-cni"}]}' >"$R/etc/cni/net.d/05-cilium.conflist"
}
