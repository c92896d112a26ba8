#!/usr/bin/env bash
# Installs every Debian package ainet needs to build, test, demo, package and
# benchmark. Idempotent; safe to run on a fresh Debian 12 machine as root.
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build g++ clang libclang-rt-14-dev pkgconf
  libssl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libtomlplusplus-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libcap-dev libmicrohttpd-dev
  python3 python3-scapy python3-cryptography
  iproute2 nftables iperf3 curl iputils-ping tshark wireguard-go wireguard-tools
  dnsutils openssl procps psmisc
  # The Debian package and its checks (scripts/package.sh, package-check.sh):
  # debhelper + lintian, man pages from Markdown (pandoc) shown by man-db,
  # systemd-analyze (package systemd; no running systemd needed), promtool
  # (package prometheus) for the metrics checks in tests/e2e/cases_ops.sh.
  debhelper dpkg-dev fakeroot lintian pandoc man-db groff-base systemd prometheus
  # IKEv2 interop with stock strongSwan (tests/interop/test_strongswan_ike.py):
  # charon with kernel-libipsec, swanctl, and the openssl/x25519/gcm plugins.
  strongswan-charon strongswan-swanctl libcharon-extra-plugins libstrongswan-standard-plugins
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  # prometheus is here only for promtool: its package would start (and enable)
  # a Prometheus server. policy-rc.d keeps every service this install brings
  # from starting now (only if no policy is in place already), and a newly
  # installed prometheus.service is disabled afterwards.
  policy=/usr/sbin/policy-rc.d
  new_prometheus=0
  for p in "${missing[@]}"; do [ "$p" = prometheus ] && new_prometheus=1; done
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\n# scripts/install-deps.sh: no service starts during the install\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
    trap '$SUDO rm -f "$policy"' EXIT
  fi
  $SUDO apt-get update
  $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
  if [ $new_prometheus = 1 ] && command -v systemctl >/dev/null; then
    $SUDO systemctl disable prometheus.service >/dev/null 2>&1 || true
  fi
fi
