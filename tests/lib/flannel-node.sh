# shellcheck shell=bash
# What Flannel's vxlan backend leaves on a K3s node, built in a network namespace: written once
# here for the netns tests (tests/netns/lib.sh), the benchmarks (tests/bench/lib.sh) and the
# capture of tests/unit/data (capture.sh). The node's NIC is the caller's; this adds Flannel's part.
# The node's pod subnet is 10.42.0.0/24, another node's 10.42.1.0/24 (K3s's default cluster-cidr).

# flannel_vxlan NS [--nic DEV] [--local ADDR] [--mtu N] [--down]: flannel.1 as Flannel makes it,
# VNI 1 on UDP 8472 without learning (Flannel writes the FDB itself), over DEV from ADDR. Flannel
# sets the MTU to the NIC's less 50 (1450) and brings it up; --down leaves it as created.
flannel_vxlan() {
	local ns=$1 nic="" local_addr="" mtu="" up=1
	shift
	while (($#)); do
		case $1 in
		--nic) nic=$2; shift 2 ;;
		--local) local_addr=$2; shift 2 ;;
		--mtu) mtu=$2; shift 2 ;;
		--down) up=0; shift ;;
		*) echo "flannel_vxlan: unknown option $1" >&2; return 2 ;;
		esac
	done
	local add=(id 1 dstport 8472 nolearning) set=()
	[[ -z $local_addr ]] || add+=(local "$local_addr")
	[[ -z $nic ]] || add+=(dev "$nic")
	ip -n "$ns" link add flannel.1 type vxlan "${add[@]}"
	[[ -z $mtu ]] || set+=(mtu "$mtu")
	if ((up)); then set+=(up); fi
	if ((${#set[@]})); then ip -n "$ns" link set flannel.1 "${set[@]}"; fi
}

# flannel_node NS [OPTION...]: flannel.1, the bridge cni0 with one veth per pod (veth-podI, its
# peer podI), and the route to another node's pods through flannel.1, as Flannel adds it.
#   --nic DEV, --local ADDR, --mtu N   flannel.1's, as flannel_vxlan takes them
#   --down        create the devices only: nothing brought up (use with --no-route)
#   --addresses   this node's subnet: 10.42.0.0/32 on flannel.1, 10.42.0.1/24 on cni0
#   --pods N      N pods on cni0 (default 1; 0 for an empty bridge)
#   --no-bridge   no cni0 and no pods: flannel.1 and its route only
#   --no-route    no route through flannel.1
flannel_node() {
	local ns=$1 vxlan=() up=1 addresses=0 pods=1 bridge=1 route=1
	shift
	while (($#)); do
		case $1 in
		--nic | --local | --mtu) vxlan+=("$1" "$2"); shift 2 ;;
		--down) vxlan+=(--down); up=0; shift ;;
		--addresses) addresses=1; shift ;;
		--pods) pods=$2; shift 2 ;;
		--no-bridge) bridge=0; shift ;;
		--no-route) route=0; shift ;;
		*) echo "flannel_node: unknown option $1" >&2; return 2 ;;
		esac
	done
	local n=(ip -n "$ns") state=()
	if ((up)); then state=(up); fi
	flannel_vxlan "$ns" "${vxlan[@]}"
	if ((addresses)); then "${n[@]}" addr add 10.42.0.0/32 dev flannel.1; fi
	if ((bridge)); then
		"${n[@]}" link add cni0 type bridge
		if ((up)); then "${n[@]}" link set cni0 up; fi
		if ((addresses)); then "${n[@]}" addr add 10.42.0.1/24 dev cni0; fi
		local i
		for ((i = 1; i <= pods; i++)); do
			"${n[@]}" link add "veth-pod$i" type veth peer name "pod$i"
			"${n[@]}" link set "veth-pod$i" master cni0 "${state[@]}"
		done
	fi
	if ((route)); then "${n[@]}" route add 10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink; fi
}
