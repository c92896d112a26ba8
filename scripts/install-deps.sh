#!/usr/bin/env bash
# Installs every Debian package ainet needs to build, test, demo and benchmark.
# Idempotent; safe to run on a fresh Debian 12 machine as root.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build g++ clang libclang-rt-14-dev
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  python3 python3-scapy python3-cryptography
  iproute2 nftables iperf3 curl iputils-ping tshark wireguard-go wireguard-tools
  dnsutils openssl procps psmisc
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
