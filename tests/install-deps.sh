#!/usr/bin/env bash
# Installs, with apt-get, the Debian/Ubuntu packages routeguard builds and tests with. Idempotent:
# installs nothing when everything is there. Used by tests/run.sh and tests/demo.sh.
set -euo pipefail
PACKAGES=(build-essential cmake pkg-config clang libclang-rt-dev
	libmnl-dev libnftnl-dev libiptc-dev libnl-3-dev libnl-route-3-dev libsystemd-dev libyaml-dev
	libjson-c-dev libcurl4-openssl-dev libcmocka-dev iptables nftables
	iproute2 python3 valgrind bc man-db prometheus prometheus-node-exporter
	debhelper lintian dpkg-dev debootstrap systemd-container reprepro gnupg clang-format)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
echo "== installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
