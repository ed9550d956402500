#!/usr/bin/env bash
# Issue 13, with the quarantine on another filesystem as under the shipped unit (a tmpfs in the
# daemon's own mount namespace, so every move is a copy): a FIFO named *.conflist and a file over
# 1 MiB are refused while the daemon keeps answering; a conflist replaced during its move is never
# lost; when every quarantine name is taken the move fails once, without an alert storm, and is
# retried from a timer on a quiet node.
source "$(dirname "$0")/lib.sh"
for tool in unshare nsenter mount; do
	command -v "$tool" >/dev/null || fail "$tool is missing (util-linux)"
done
netns_setup quarantine
PEERS=(192.168.1.3)
EXTRA_YAML="mode: enforce" host_dirs
l2_nic
forwarding 1
CNI=$TMP/cni/net.d
mkdir -p "$TMP/quarantine" "$TMP/new"
cat >"$TMP/other-fs.sh" <<EOF
#!/bin/sh
mount -t tmpfs -o size=256m,mode=0700 routeguard-test "$TMP/quarantine" || exit 99
exec "\$@"
EOF
chmod +x "$TMP/other-fs.sh"

# In routeguardd's mount namespace, where the quarantine is the tmpfs.
in_daemon_ns() {
	nsenter -t "$DAEMON_PID" -m "$@"
}

failed_alerts() {
	grep -c "alert: action cni-conflist-conflict $1 failed" "$TMP/daemon.log" || true
}

# flannel_file PATH MARKER [PADDING_BYTES]: a Flannel conflist, made elsewhere and moved into
# place, so that the daemon never sees half of it.
flannel_file() {
	python3 - "$TMP/new/$(basename "$1")" "$2" "${3:-0}" <<'EOF'
import json, sys
path, marker, padding = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = {"name": "cbr0", "cniVersion": "1.0.0", "marker": marker, "padding": "x" * padding,
       "plugins": [{"type": "flannel", "delegate": {"isDefaultGateway": True}}]}
open(path, "w").write(json.dumps(doc))
EOF
	mv "$TMP/new/$(basename "$1")" "$1"
}

cilium_file() {
	echo "{\"cniVersion\":\"0.3.1\",\"name\":\"cilium\",\"marker\":\"$2\",\"plugins\":[{\"type\":\"cilium-cni\"}]}" >"$TMP/new/$(basename "$1")"
	mv "$TMP/new/$(basename "$1")" "$1"
}

step "a FIFO named *.conflist and a 1.2 MB conflist, with the quarantine on another filesystem"
mkfifo "$CNI/20-x.conflist"
head -c 1200000 /dev/zero | tr '\0' ' ' >"$CNI/30-big.conflist"
DAEMON_WRAPPER="unshare -m --propagation private $TMP/other-fs.sh" daemon_start
wait_ready
[[ $(in_daemon_ns stat -f -c %T "$TMP/quarantine") == tmpfs ]] || fail "the quarantine is not the tmpfs"
[[ $(in_daemon_ns stat -c %d "$TMP/quarantine") != $(stat -c %d "$CNI") ]] ||
	fail "the quarantine is on the CNI directory's filesystem: no EXDEV"
wait_until 5 "the FIFO's move failed" grep -q "alert: action cni-conflist-conflict $CNI/20-x.conflist failed.*not a regular file" "$TMP/daemon.log"
wait_until 5 "the large file's move failed" grep -q "alert: action cni-conflist-conflict $CNI/30-big.conflist failed.*larger than 1 MiB" "$TMP/daemon.log"
status=0
timeout 5 ip netns exec "$NS" "$ROUTEGUARDCTL" --socket "$TMP/routeguard.sock" --json status >"$TMP/status.json" || status=$?
((status <= 1)) || fail "GetStatus did not answer within 5 s (exit $status)" # 1: not ready
status_has 'any(a["subject"].endswith("/20-x.conflist") and a["result"] == "failed" for a in s["actions"])' ||
	fail "the status shows no failed action for the FIFO"
[[ -p $CNI/20-x.conflist ]] || fail "the FIFO was moved or replaced"
[[ $(stat -c %s "$CNI/30-big.conflist") == 1200000 ]] || fail "the large file changed"
evaluate_again "$CNI" # it evaluates both files again: a repeated alert would be in the log now
(($(failed_alerts "$CNI/20-x.conflist") == 1)) || fail "the FIFO's failure was alerted $(failed_alerts "$CNI/20-x.conflist") times, not once"
rm "$CNI/20-x.conflist" "$CNI/30-big.conflist"
expect_findings

step "40 conflists replaced (mv) while they are moved: no file is ever lost"
for i in $(seq 40); do
	flannel_file "$CNI/10-flannel-$i.conflist" "old-$i" 800000
	sleep "0.0$((RANDOM % 10))"
	cilium_file "$CNI/10-flannel-$i.conflist" "new-$i"
done
expect_findings
for i in $(seq 40); do
	grep -q "\"new-$i\"" "$CNI/10-flannel-$i.conflist" 2>/dev/null ||
		fail "the file put in place of 10-flannel-$i.conflist during its move is lost"
done
moved=$(in_daemon_ns sh -c "grep -l '\"old-' '$TMP/quarantine'/* 2>/dev/null | wc -l")
ls -a "$CNI" | grep -q routeguard- && fail "a staging name was left in $CNI"
echo "ok: all 40 replacements kept; $moved old file(s) reached the quarantine first"

step "every quarantine name taken: the move fails once, nothing is reported moved"
in_daemon_ns python3 - "$TMP/quarantine" <<'EOF'
import sys, time
# BASENAME.STAMP and -1 … -99 for each second of the next two minutes
now = int(time.time())
for second in range(now, now + 120):
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(second))
    for n in range(100):
        name = "10-flannel.conflist.%s%s" % (stamp, "-%d" % n if n else "")
        open("%s/%s" % (sys.argv[1], name), "w").write("taken")
EOF
taken=$(in_daemon_ns sh -c "ls '$TMP/quarantine' | wc -l")
flannel_file "$CNI/10-flannel.conflist" stuck
wait_until 5 "the move failed" grep -q "alert: action cni-conflist-conflict $CNI/10-flannel.conflist failed.*every quarantine name" "$TMP/daemon.log"
evaluate_again "$CNI"
(($(failed_alerts "$CNI/10-flannel.conflist") == 1)) || fail "the failure was alerted $(failed_alerts "$CNI/10-flannel.conflist") times, not once"
grep -q "alert: action cni-conflist-conflict $CNI/10-flannel.conflist quarantined" "$TMP/daemon.log" &&
	fail "a move that did not happen was reported"
grep -q '"stuck"' "$CNI/10-flannel.conflist" || fail "the file is not in place"
[[ $(in_daemon_ns sh -c "ls '$TMP/quarantine' | wc -l") == "$taken" ]] || fail "the quarantine changed"

step "names freed without any event: the retry timer moves it within a minute"
in_daemon_ns find "$TMP/quarantine" -name '10-flannel.conflist.*' -delete
wait_until 75 "the file moved on retry" test ! -e "$CNI/10-flannel.conflist"
in_daemon_ns sh -c "grep -q '\"stuck\"' '$TMP/quarantine'/10-flannel.conflist.*" || fail "the moved file is not in the quarantine"
grep -q "alert: action cni-conflist-conflict $CNI/10-flannel.conflist quarantined" "$TMP/daemon.log" ||
	fail "the move on retry was not alerted"
expect_findings
echo "PASS"
