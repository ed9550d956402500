#!/bin/sh
# The chains of a K3s node after a Flannel-to-Cilium move, as each tool names and feeds them
# (firewall-research.md §3), written with the real iptables of backend $1 (nft or legacy).
# Sourced by the capture script and the netns tests; runs inside the namespace it is given.
set -e
B=${1:?usage: firewall-fixture.sh nft|legacy}
IPT="iptables-$B -w 10"
IP6T="ip6tables-$B -w 10"
CL=10.42.0.0/16
POD=10.42.1.0/24
# the kubelet's: never flagged
$IPT -t mangle -N KUBE-IPTABLES-HINT
for t in mangle nat filter; do $IPT -t $t -N KUBE-KUBELET-CANARY; done
$IPT -N KUBE-FIREWALL
$IPT -A KUBE-FIREWALL ! -s 127.0.0.0/8 -d 127.0.0.0/8 -m comment --comment "block incoming localnet connections" -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP
$IPT -I INPUT -j KUBE-FIREWALL
$IPT -I OUTPUT -j KUBE-FIREWALL
# Flannel
$IPT -t nat -N FLANNEL-POSTRTG
$IPT -t nat -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
$IPT -t nat -A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN
$IPT -t nat -A FLANNEL-POSTRTG -s $POD -d $CL -m comment --comment "flanneld masq" -j RETURN
$IPT -t nat -A FLANNEL-POSTRTG -s $CL ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
$IPT -t nat -I POSTROUTING 1 -s 10.42.9.0/24 -g FLANNEL-POSTRTG
$IPT -N FLANNEL-FWD
$IPT -A FORWARD -m comment --comment "flanneld forward" -j FLANNEL-FWD
$IPT -A FLANNEL-FWD -s $CL -m comment --comment "flanneld forward" -j ACCEPT
$IP6T -t nat -N FLANNEL-POSTRTG
$IP6T -t nat -A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG
$IP6T -t nat -A FLANNEL-POSTRTG -s fd42::/56 ! -d ff00::/8 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully
# kube-router
for c in INPUT FORWARD OUTPUT; do $IPT -N KUBE-ROUTER-$c; done
$IPT -I INPUT 1 -m comment --comment "kube-router netpol - 4IA2OSFRMVNDXBVV" -j KUBE-ROUTER-INPUT
$IPT -I FORWARD 1 -m comment --comment "kube-router netpol - TEMCG2JMHZYE7H7T" -j KUBE-ROUTER-FORWARD
$IPT -I OUTPUT 1 -m comment --comment "kube-router netpol - VEAAIY32XVBHCSCY" -j KUBE-ROUTER-OUTPUT
$IPT -N KUBE-NWPLCY-DEFAULT
$IPT -A KUBE-NWPLCY-DEFAULT -j MARK --set-xmark 0x10000/0x10000
$IPT -N KUBE-POD-FW-4BDGZEWEU32YM75H
$IPT -A KUBE-POD-FW-4BDGZEWEU32YM75H -s 10.42.1.11/32 -j KUBE-NWPLCY-DEFAULT
$IPT -A KUBE-ROUTER-FORWARD -d 10.42.1.11/32 -j KUBE-POD-FW-4BDGZEWEU32YM75H
# kube-proxy (iptables mode)
for c in KUBE-SERVICES KUBE-NODEPORTS KUBE-POSTROUTING KUBE-MARK-MASQ KUBE-SVC-NPX46M4PTMTKRN6Y KUBE-SEP-B5VO6EBO7JWDMZQ2; do $IPT -t nat -N $c; done
$IPT -t nat -A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
$IPT -t nat -A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
$IPT -t nat -I POSTROUTING 1 -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING
$IPT -t nat -A KUBE-MARK-MASQ -j MARK --or-mark 0x4000
$IPT -t nat -A KUBE-SERVICES -d 10.43.0.1/32 -p tcp -m tcp --dport 443 -j KUBE-SVC-NPX46M4PTMTKRN6Y
$IPT -t nat -A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS
$IPT -t nat -A KUBE-SVC-NPX46M4PTMTKRN6Y -j KUBE-SEP-B5VO6EBO7JWDMZQ2
$IPT -t nat -A KUBE-SEP-B5VO6EBO7JWDMZQ2 -s 192.168.1.105/32 -j KUBE-MARK-MASQ
$IPT -t nat -A KUBE-SEP-B5VO6EBO7JWDMZQ2 -p tcp -m tcp -j DNAT --to-destination 192.168.1.105:6443
# portmap
for c in CNI-HOSTPORT-DNAT CNI-HOSTPORT-SETMARK CNI-HOSTPORT-MASQ; do $IPT -t nat -N $c; done
$IPT -t nat -A PREROUTING -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
$IPT -t nat -A OUTPUT -m addrtype --dst-type LOCAL -j CNI-HOSTPORT-DNAT
$IPT -t nat -I POSTROUTING 1 -m comment --comment "CNI portfwd requiring masquerade" -j CNI-HOSTPORT-MASQ
$IPT -t nat -A CNI-HOSTPORT-MASQ -m mark --mark 0x2000/0x2000 -j MASQUERADE
# Cilium's: never flagged, never removed
for tc in filter:CILIUM_FORWARD:FORWARD nat:CILIUM_POST_nat:POSTROUTING; do
	t=${tc%%:*}; r=${tc#*:}; c=${r%%:*}; h=${r#*:}
	$IPT -t $t -N $c
	$IPT -t $t -I $h 1 -m comment --comment "cilium-feeder: $c" -j $c
done
$IPT -t nat -N OLD_CILIUM_POST_nat
# the administrator's: must survive enforce
$IPT -N ADMIN-SSH
$IPT -A ADMIN-SSH -p tcp --dport 22 -j ACCEPT
$IPT -A INPUT -j ADMIN-SSH
