#!/usr/bin/env bash
# Alerts in a real journal: a private systemd-journald (in a mount namespace of the test's own,
# tmpfs over /run/systemd, /run/log and /var/log/journal, so the host's journal is not touched)
# receives routeguardd's entries, with MESSAGE_ID, PRIORITY, ROUTEGUARD_* and INTERFACE fields.
if [[ -z ${ROUTEGUARD_IN_MOUNT_NS:-} ]]; then
	exec unshare --mount --propagation private env ROUTEGUARD_IN_MOUNT_NS=1 bash "$0" "$@"
fi
source "$(dirname "$0")/lib.sh"
journald=/lib/systemd/systemd-journald
[[ -x $journald ]] || fail "systemd-journald is missing (the systemd package)"
netns_setup journal
for dir in /run/systemd /run/log /var/log/journal; do
	mkdir -p "$dir"
	mount -t tmpfs tmpfs "$dir"
done
mkdir -p /run/systemd/journal
"$journald" >"$TMP/journald.log" 2>&1 &
BACKGROUND_PIDS+=($!)
wait_until 10 "journald's socket" test -S /run/systemd/journal/socket

PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
EXTRA_YAML="mode: enforce" host_dirs
flannel_vxlan "$NS" --nic eth0 --down
# daemon_start's --log-target stderr comes first; the last --log-target wins
daemon_start --log-target journal
wait_ready
wait_until 5 "flannel.1 removed" link_absent flannel.1
# The delete's acknowledgement (action) and the link's disappearance (resolved) come from two
# sockets: either may be journaled first, so wait for both.
for transition in resolved action; do
	wait_until 10 "the $transition entry in the journal" bash -c "journalctl -D /run/log/journal -o json ROUTEGUARD_CHECK=flannel-device | grep -q '\"ROUTEGUARD_TRANSITION\":\"$transition\"'"
done
journalctl -D /run/log/journal -o json ROUTEGUARD_CHECK=flannel-device >"$TMP/entries.json"
python3 - "$TMP/entries.json" <<'PY' || fail "journal entries are not as expected"
import json, sys
entries = [json.loads(line) for line in open(sys.argv[1])]
# flannel-device's released MESSAGE_IDs (lib/checktable.c, systemd/routeguard.catalog)
ids = {"opened": "5bee5cbc102147afb6ac48144aaf5ee9", "resolved": "266e241a235a4d25a1aba5edcc909b5d",
       "action": "3a776331ba3d4bdfa93f2a298eb917b1"}
seen = {}
for e in entries:
    t = e["ROUTEGUARD_TRANSITION"]
    seen[t] = seen.get(t, 0) + 1
    assert e["MESSAGE_ID"] == ids[t], (t, e["MESSAGE_ID"])
    assert e["ROUTEGUARD_SUBJECT"] == "flannel.1", e
    assert e["INTERFACE"] == "flannel.1", e
    assert e["SYSLOG_IDENTIFIER"] == "routeguardd", e
    assert e["PRIORITY"] == ("3" if t == "opened" else "5"), (t, e["PRIORITY"])
    if t == "action":
        assert e["ROUTEGUARD_ACTION"] == "removed", e
print("ok: journal entries:", seen)
assert seen == {"opened": 1, "action": 1, "resolved": 1}, seen
PY
echo "PASS"
