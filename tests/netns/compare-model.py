#!/usr/bin/env python3
"""Compares routeguardd's mirror (its --debug-dump JSON) with what `ip -j` says in a namespace.

    compare-model.py NETNS MODEL_JSON NATIVE_CIDR [PEER ...]

Exit 0 when they are equal, 1 with the differences on stdout. The route filter is applied to the
kernel's routes the way lib/netstate.c applies it (DESIGN.md §1), so a drift in either shows.
"""
import json
import socket
import subprocess
import sys

TUNNEL_KINDS = {"vxlan", "geneve", "wireguard", "ipip", "sit", "gre", "gretap", "ip6gre",
                "ip6gretap", "ip6tnl", "vti", "vti6", "erspan", "ip6erspan", "bareudp", "gtp",
                "fou", "ipoib"}
# Numbers as `ip -N` prints them.
RTN_UNICAST, KEPT_TYPES = 1, {1, 6, 7, 8}  # unicast, blackhole, unreachable, prohibit


def ip_json(netns, *args):
    out = subprocess.run(["ip", "-n", netns, "-j", *args], check=True, capture_output=True,
                         text=True).stdout
    return json.loads(out) if out.strip() else []


def kernel_links(netns):
    links = ip_json(netns, "-d", "link", "show")
    addrs = {a["ifname"]: a.get("addr_info", []) for a in ip_json(netns, "addr", "show")}
    result = {}
    for link in links:
        info = link.get("linkinfo", {})
        kind = info.get("info_kind", "")
        entry = {
            "ifindex": link["ifindex"],
            "kind": kind,
            "up": "UP" in link.get("flags", []),
            "mtu": link["mtu"],
            "master": link.get("master"),
            "addresses": sorted(f'{a["local"]}/{a["prefixlen"]}'
                                for a in addrs.get(link["ifname"], [])),
        }
        if kind in ("vxlan", "geneve"):
            data = info.get("info_data", {})
            entry["tunnel"] = {
                "vni": data.get("id", 0),
                "dstport": data.get("port", 0),
                "external": bool(data.get("external", False)),
                "learning": bool(data.get("learning", kind == "vxlan")) if kind == "vxlan" else False,
                "local": data.get("local") or data.get("local6"),
                "underlying": data.get("link"),
            }
        result[link["ifname"]] = entry
    for name, entry in result.items():
        if entry["kind"] == "bridge":
            entry["ports"] = sum(1 for e in result.values() if e["master"] == name)
    return result


def model_links(model):
    result = {}
    for link in model["links"]:
        entry = {k: link[k] for k in ("ifindex", "kind", "up", "mtu", "master")}
        entry["addresses"] = sorted(link["addresses"])
        if "tunnel" in link:
            entry["tunnel"] = link["tunnel"]
            if entry["kind"] == "geneve":
                entry["tunnel"]["learning"] = False
        if "ports" in link:
            entry["ports"] = link["ports"]
        result[link["name"]] = entry
    return result


def number(value, default):
    return int(value) if value is not None else default


class Net:
    """A prefix as (version, integer, length): ipaddress is too slow for 200k routes."""

    def __init__(self, text):
        addr, _, length = text.partition("/")
        self.version = 6 if ":" in addr else 4
        family = socket.AF_INET6 if self.version == 6 else socket.AF_INET
        self.bits = 128 if self.version == 6 else 32
        self.value = int.from_bytes(socket.inet_pton(family, addr), "big")
        self.length = int(length) if length else self.bits
        self.text = f"{addr}/{self.length}"

    def first_bits(self, value, n):
        return value >> (self.bits - n) if n else 0

    def overlaps(self, other):
        n = min(self.length, other.length)
        return (self.version == other.version
                and self.first_bits(self.value, n) == self.first_bits(other.value, n))

    def contains(self, address):
        return (self.version == address.version
                and self.first_bits(self.value, self.length)
                == self.first_bits(address.value, self.length))


def kernel_routes(netns, links, native, peers):
    kept, seen = [], 0
    for family, flag in (("inet", "-4"), ("inet6", "-6")):
        for r in ip_json(netns, flag, "-N", "-d", "route", "show", "table", "all"):
            seen += 1
            rtype = number(r.get("type"), RTN_UNICAST)
            dst = r["dst"]
            if dst == "default":
                dst = "0.0.0.0/0" if family == "inet" else "::/0"
            net = Net(dst)
            if "nexthops" in r:
                hops = [{"gateway": h.get("gateway"), "dev": h.get("dev"),
                         "weight": h.get("weight", 1), "onlink": "onlink" in h.get("flags", [])}
                        for h in r["nexthops"]]
            elif "dev" in r or "gateway" in r:
                hops = [{"gateway": r.get("gateway"), "dev": r.get("dev"), "weight": 1,
                         "onlink": "onlink" in r.get("flags", [])}]
            else:
                hops = []
            through_tunnel = any(links.get(h["dev"], {}).get("kind") in TUNNEL_KINDS for h in hops)
            # routeguardd asks the kernel about gateways, so of the connected routes outside the
            # native CIDR it keeps only the prefix routes of its addresses (proto kernel = 2)
            connected = (rtype == RTN_UNICAST and hops and not any(h["gateway"] for h in hops)
                         and number(r.get("protocol"), 3) == 2)
            keep = rtype in KEPT_TYPES and (
                net.length == 0
                or any(net.overlaps(n) for n in native)
                or any(net.contains(p) for p in peers)
                or through_tunnel or connected)
            if not keep:
                continue
            kept.append({
                "family": family,
                "table": number(r.get("table"), 254),
                "dst": net.text,
                "metric": number(r.get("metric"), 0),
                "protocol": number(r.get("protocol"), 3),
                "scope": number(r.get("scope"), 0),
                "type": rtype,
                "onlink": "onlink" in r.get("flags", []),
                "multipath": "nexthops" in r,
                "nexthops": hops,
            })
    return kept, seen


ROUTE_FIELDS = ("family", "table", "dst", "metric", "protocol", "scope", "type", "onlink",
                "multipath")


def route_key(r):
    """A hashable route: tuples hash far faster than JSON text for 200k routes."""
    return tuple(r[k] for k in ROUTE_FIELDS) + tuple(
        (h["gateway"], h["dev"], h["weight"], h["onlink"]) for h in r["nexthops"])


def model_routes(model):
    return model["routes"]


def main():
    netns, model_path, native = sys.argv[1], sys.argv[2], sys.argv[3]
    peers = [Net(p) for p in sys.argv[4:]]
    with open(model_path) as f:
        model = json.load(f)
    problems = []
    klinks, mlinks = kernel_links(netns), model_links(model)
    for name in sorted(set(klinks) | set(mlinks)):
        if klinks.get(name) != mlinks.get(name):
            problems.append(f"link {name}: kernel {klinks.get(name)} model {mlinks.get(name)}")
    kroutes, seen = kernel_routes(netns, klinks, [Net(native)], peers)
    kset = {route_key(r) for r in kroutes}
    mset = {route_key(r) for r in model_routes(model)}
    for r in sorted(kset - mset)[:20]:
        problems.append(f"route missing from the model: {r}")
    for r in sorted(mset - kset)[:20]:
        problems.append(f"route in the model, not in the kernel: {r}")
    if len(kset) != len(kroutes):
        problems.append(f"the kernel shows duplicate routes ({len(kroutes)} vs {len(kset)})")
    if model["routes-seen"] != seen:
        problems.append(f"routes-seen: kernel {seen} model {model['routes-seen']}")
    if model["routes-kept"] != len(kset):
        problems.append(f"routes-kept: kernel {len(kset)} model {model['routes-kept']}")
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
