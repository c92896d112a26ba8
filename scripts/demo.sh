#!/usr/bin/env bash
# The demo (the README's first command): installs the Debian packages,
# builds aind, ainctl and ain-endpoint, and runs the network demo
# (scripts/demo-network.sh): network namespaces initiator - ain1..ain4 -
# responder, one aind per AIN, the initiator's ain-endpoint, a page fetched
# with curl through a 3-hop ANT, the ANT's path and counters, everything
# removed at the end.
#
# Needs root (packages, namespaces): as a normal user it says so in one line
# and runs itself again with sudo when there is one (scripts/need-root.sh).
# If aind, ainctl or ain-endpoint does not build or start, it says which and
# exits non-zero; it never falls back to something else. The IPsec-layer
# walk-through (RFC vectors, scapy interop) is scripts/demo-ipsec.sh.
#
# Environment: AINET_BUILD_DIR (default build), AINET_SKIP_DEPS=1,
# AINET_DEMO_CARRIER (ip|udp, default ip), AINET_PCAP_DIR.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
# shellcheck source=scripts/need-root.sh
source scripts/need-root.sh
ainet_need_root "$0" "$@"
BUILD=${AINET_BUILD_DIR:-build}
step() { echo; echo "=== [demo] $*"; }
fail() { echo "=== [demo] FAILED: $*" >&2; exit 1; }

step "install dependencies and build aind, ainctl, ain-endpoint ($BUILD)"
if [ "${AINET_SKIP_DEPS:-0}" != 1 ]; then
  bash scripts/install-deps.sh || fail "installing the Debian packages (scripts/install-deps.sh)"
fi
mkdir -p "$BUILD"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/demo-configure.log" 2>&1 ||
  { tail -n 20 "$BUILD/demo-configure.log" >&2; fail "cmake configure (log: $BUILD/demo-configure.log)"; }
if ! cmake --build "$BUILD" -j2 --target aind ainctl ain-endpoint >"$BUILD/demo-build.log" 2>&1; then
  grep -E 'error|FAILED' "$BUILD/demo-build.log" | head -n 20 >&2
  fail "building aind, ainctl and ain-endpoint (log: $BUILD/demo-build.log)"
fi
for b in src/daemon/aind src/cli/ainctl src/daemon/ain-endpoint; do
  v=$("$BUILD/$b" --version 2>&1) || fail "$BUILD/$b does not run: $v"
  echo "  $v"
done

AINET_BUILD_DIR="$BUILD" bash scripts/demo-network.sh
rc=$?
[ $rc -eq 0 ] || fail "the network demo (scripts/demo-network.sh, exit $rc)"
echo
echo "=== [demo] done: a page fetched anonymously through a 3-hop ANT of 4 aind."
