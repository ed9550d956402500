#!/usr/bin/env bash
# The control socket's directory must be writable by root alone (issue 13): in one others may
# write to, a user could swap the new socket for a symlink and the daemon's chown would land on
# the link's target. routeguardd refuses such a directory, refuses a symlink where the socket
# goes, and gives the socket mode 0660 at bind(), with no chmod() by path.
source "$(dirname "$0")/lib.sh"
netns_setup sockdir
host_dirs
l2_nic
forwarding 1

# start_refused SOCKET WORDS: routeguardd exits non-zero at start, its log saying WORDS.
start_refused() {
	: >"$TMP/daemon.log"
	daemon_start --socket "$1"
	local status=0
	wait "$DAEMON_PID" || status=$?
	DAEMON_PID=""
	((status != 0)) || fail "routeguardd started with its socket at $1"
	grep -q "$2" "$TMP/daemon.log" || fail "no '$2' in the log: $(cat "$TMP/daemon.log")"
	[[ ! -S $1 ]] || fail "a socket was created at $1"
	echo "ok: $1 refused: $(grep -m1 "$2" "$TMP/daemon.log")"
}

step "a socket directory others may write to"
mkdir -m 1777 "$TMP/open"
chmod 1777 "$TMP/open"
start_refused "$TMP/open/routeguard.sock" "needs a directory only root may write to"

step "a socket directory owned by another user"
mkdir -m 0755 "$TMP/theirs"
chown 65534 "$TMP/theirs"
start_refused "$TMP/theirs/routeguard.sock" "needs a directory only root may write to"

step "a directory group-writable further up"
mkdir -p "$TMP/shared/sub"
chmod 0775 "$TMP/shared"
start_refused "$TMP/shared/sub/routeguard.sock" "needs a directory only root may write to"

step "a symlink where the socket goes"
echo secret >"$TMP/target"
chmod 0600 "$TMP/target"
ln -s "$TMP/target" "$TMP/routeguard.sock"
start_refused "$TMP/routeguard.sock" "Failed to create the control socket"
[[ $(stat -c '%a %u %g' "$TMP/target") == "600 0 0" ]] || fail "the symlink's target changed: $(stat -c '%a %u %g' "$TMP/target")"
rm "$TMP/routeguard.sock"

step "a safe directory below a sticky one (/tmp)"
: >"$TMP/daemon.log"
daemon_start
wait_ready
[[ -S $TMP/routeguard.sock ]] || fail "no socket"
[[ $(stat -c '%a %u' "$TMP/routeguard.sock") == "660 0" ]] || fail "socket mode $(stat -c '%a %u' "$TMP/routeguard.sock"), expected 660 0"
ctl ready >/dev/null || fail "not ready"
echo "ok: socket $(stat -c '%a %U:%G' "$TMP/routeguard.sock") in $(stat -c '%a' "$TMP")"
echo "PASS"
