#!/usr/bin/env bash
# routeguardctl takes its options before or after the verb, as systemctl and networkctl do;
# VERB --help prints that verb's help; bad command lines exit 2 with "routeguardctl: …"; root-only
# verbs and methods are refused to other users, by the client and by the daemon's method table.
source "$(dirname "$0")/lib.sh"
: "${ROUTEGUARDCTL:?set ROUTEGUARDCTL to the routeguardctl binary (ctest does)}"
netns_setup ctl-options
PEERS=(192.168.1.3)
host_dirs
l2_nic
forwarding 1
n link add flannel.1 type vxlan id 1 dstport 8472 nolearning dev eth0

rgctl() {
	ip netns exec "$NS" "$ROUTEGUARDCTL" "$@"
}

# same_findings LABEL FILE...: every FILE is a status object with the same ready and findings.
same_findings() {
	local label=$1 first=$2 file
	shift 2
	for file in "$@"; do
		python3 -c 'import json,sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
key = lambda s: (s["ready"], [(f["check"], f["subject"]) for f in s["findings"]])
sys.exit(0 if key(a) == key(b) else 1)' "$first" "$file" || fail "$label: $file differs from $first"
	done
	echo "ok: $label"
}

# exits CODE COMMAND...: COMMAND exits with CODE; its stderr lands in $TMP/err.
exits() {
	local want=$1 status=0
	shift
	"$@" >"$TMP/out" 2>"$TMP/err" || status=$?
	((status == want)) || fail "'$*' exited $status, expected $want: $(cat "$TMP/err")"
}

step "preflight: --config and --json before or after the verb"
flags=(--config "$TMP/routeguard.yaml" --debug-host-root "$TMP/root")
exits 1 rgctl preflight "${flags[@]}" --json
mv "$TMP/out" "$TMP/preflight-after.json"
exits 1 rgctl --json "${flags[@]}" preflight
mv "$TMP/out" "$TMP/preflight-before.json"
exits 1 rgctl --json preflight "${flags[@]}"
mv "$TMP/out" "$TMP/preflight-around.json"
same_findings "preflight reads its options anywhere" "$TMP/preflight-after.json" \
	"$TMP/preflight-before.json" "$TMP/preflight-around.json"

step "status: --json and --socket before or after the verb, or from ROUTEGUARD_SOCKET"
daemon_start
wait_ready
sock=$TMP/routeguard.sock
exits 1 rgctl --socket "$sock" --json status
mv "$TMP/out" "$TMP/status-before.json"
exits 1 rgctl status --json --socket "$sock"
mv "$TMP/out" "$TMP/status-after.json"
exits 1 rgctl --json status --socket "$sock"
mv "$TMP/out" "$TMP/status-around.json"
exits 1 rgctl status --socket "$sock" --json
mv "$TMP/out" "$TMP/status-socket-first.json"
exits 1 env ROUTEGUARD_SOCKET="$sock" ip netns exec "$NS" "$ROUTEGUARDCTL" status --json
mv "$TMP/out" "$TMP/status-env.json"
same_findings "status reads its options anywhere" "$TMP/status-before.json" \
	"$TMP/status-after.json" "$TMP/status-around.json" "$TMP/status-socket-first.json" \
	"$TMP/status-env.json"
exits 1 rgctl ready --socket "$sock"
grep -q "^not ready: 1 error: flannel-device flannel.1$" "$TMP/out" || fail "ready said: $(cat "$TMP/out")"
exits 1 rgctl ready --json --socket "$sock"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["ready"] is False else 1)' \
	"$TMP/out" || fail "ready --json printed: $(cat "$TMP/out")"
exits 2 rgctl ready --socket "$TMP/nothing.sock"
grep -q "^unknown: " "$TMP/out" || fail "ready without a daemon said: $(cat "$TMP/out")"
echo "ok: ready reads its options anywhere, exit 2 without a daemon"

step "VERB --help and --help VERB print that verb's help and exit 0"
for verb in status ready monitor reconcile reload preflight; do
	for args in "$verb --help" "--help $verb" "--json $verb --help --socket /nonexistent"; do
		# shellcheck disable=SC2086 # the words of args are meant to split
		exits 0 "$ROUTEGUARDCTL" $args
		head -n 1 "$TMP/out" | grep -q "^Usage: routeguardctl \[OPTIONS\] $verb" ||
			fail "'$args' printed: $(cat "$TMP/out")"
		[[ $(wc -l <"$TMP/out") -ge 3 ]] || fail "'$args' printed no help text"
	done
done
exits 0 "$ROUTEGUARDCTL" --help
grep -q "^  preflight " "$TMP/out" || fail "--help lists no verbs"
exits 0 "$ROUTEGUARDCTL" status --version
grep -q "^routeguardctl [0-9]" "$TMP/out" || fail "--version printed: $(cat "$TMP/out")"
echo "ok: every verb has its --help"

step "bad command lines: exit 2, one 'routeguardctl: …' line first"
bad() {
	exits 2 "$ROUTEGUARDCTL" "$@"
	head -n 1 "$TMP/err" | grep -q "^routeguardctl: $want" ||
		fail "'$*' said: $(head -n 1 "$TMP/err")"
	[[ ! -s $TMP/out ]] || fail "'$*' printed to stdout"
}
want="no verb given" bad
want="no verb given" bad --json
want="unknown verb 'frobnicate'" bad frobnicate --json
want="unknown option '--frob'" bad status --frob
want="option '--socket' needs an argument" bad status --socket
want="option '--json' takes no argument" bad status --json=yes
want="status takes no arguments, found 'extra'" bad status extra
want="status does not take --config" bad status --config "$TMP/routeguard.yaml"
want="reload does not take --config" bad --config "$TMP/routeguard.yaml" reload
echo "ok: bad command lines exit 2"

step "root-only: the client and the daemon's method table refuse other users"
chmod 0711 "$TMP" # mktemp makes it 0700: let the unprivileged caller reach the socket
chmod 0666 "$sock"
nobody=(ip netns exec "$NS" setpriv --reuid=65534 --regid=65534 --clear-groups)
for verb in reconcile reload; do
	exits 3 "${nobody[@]}" "$ROUTEGUARDCTL" "$verb" --socket "$sock"
	grep -q "^routeguardctl: permission denied" "$TMP/err" || fail "non-root $verb said: $(cat "$TMP/err")"
	exits 0 "${nobody[@]}" "$ROUTEGUARDCTL" "$verb" --help
done
exits 1 "${nobody[@]}" "$ROUTEGUARDCTL" status --socket "$sock"
# The system's python: one under root's home (pyenv) is out of nobody's reach.
"${nobody[@]}" /usr/bin/python3 - "$sock" "$NETNS_DIR" <<'EOF' || fail "the daemon's method table"
import sys
sys.path.insert(0, sys.argv[2])
from varlink_client import Client

expected = [
    ("io.routeguard.Reconcile", {}, "io.routeguard.PermissionDenied"),
    ("io.routeguard.Reload", {}, "io.routeguard.PermissionDenied"),
    ("io.routeguard.Frobnicate", {}, "org.varlink.service.MethodNotFound"),
    ("io.routeguard.Monitor", {}, "org.varlink.service.InvalidParameter"),
    ("org.varlink.service.GetInterfaceDescription", {"interface": "x"},
     "org.varlink.service.InterfaceNotFound"),
    ("io.routeguard.GetStatus", {}, None),
    ("org.varlink.service.GetInfo", {}, None),
]
c = Client(sys.argv[1])
for method, parameters, error in expected:
    c.call(method, parameters)
    reply = c.reply()
    if reply.get("error") != error:
        print(f"FAIL: {method} as nobody: expected {error}, got {reply}")
        sys.exit(1)
    print(f"ok: {method} as nobody -> {error or 'answered'}")
EOF
status_has 's["mode"] == "observe"' || fail "the daemon's status changed"
exits 0 rgctl reload --socket "$sock"
grep -q "^reloaded $TMP/routeguard.yaml$" "$TMP/out" || fail "reload as root said: $(cat "$TMP/out")"
echo "PASS"
