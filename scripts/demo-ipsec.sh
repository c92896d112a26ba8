#!/usr/bin/env bash
# The IPsec-layer walk-through: the foundation everything else is built on,
# runnable without root when the packages are installed.
#   1. installs the dependencies (as root, unless AINET_SKIP_DEPS=1) and
#      builds the known-answer tests and ainet_ipsec_tool;
#   2. runs the known-answer tests (RFC 4106/4868/7634/8439/... vectors from
#      ../shared/vectors/rfc) and prints how many passed;
#   3. seals one inner IPv4 packet with ainet (ESP AES-GCM-128, tunnel mode),
#      lets scapy -- an independent IPsec implementation -- dissect and open
#      it, then seals one with scapy and opens it with ainet;
#   4. runs the full scapy interop matrix and prints its summary.
# The network demo (aind, ANTs, a page through them) is scripts/demo.sh.
# Environment: AINET_BUILD_DIR (default build), AINET_SKIP_DEPS=1.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${AINET_BUILD_DIR:-build}
FAILED=0
step() { echo; echo "=== [demo-ipsec] $*"; }

step "1/4 install dependencies and build ($BUILD)"
if [ "${AINET_SKIP_DEPS:-0}" != 1 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    bash scripts/install-deps.sh || exit 1
  else
    echo "(not root: the Debian packages are not installed here; scripts/install-deps.sh as root does that)"
  fi
fi
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 1
cmake --build "$BUILD" -j2 --target kat_tests ainet_ipsec_tool || exit 1
TOOL="$BUILD/tools/ipsec_tool/ainet_ipsec_tool"

step "2/4 known-answer tests against the RFC vectors"
if "$BUILD/tests/kat_tests" --gtest_brief=1 >"$BUILD/demo-kat.log" 2>&1; then
  echo "KAT: $(grep -o '[0-9]* tests\? from [0-9]* test suites\? ran' "$BUILD/demo-kat.log" | head -1), all passed"
else
  FAILED=1
  tail -n 30 "$BUILD/demo-kat.log"
  echo "KAT: FAILED (log: $BUILD/demo-kat.log)"
fi

step "3/4 one packet each way: ainet <-> scapy (ESP AES-GCM-128, tunnel mode, IPv4)"
/usr/bin/python3 - "$TOOL" <<'EOF' || FAILED=1
import subprocess, sys
from scapy.layers.inet import IP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw

tool = sys.argv[1]
key = bytes(range(1, 21))  # RFC 4106 KEYMAT: 16-byte AES key || 4-byte salt
spi, src, dst = 0x1001, "10.0.0.1", "10.0.0.2"
inner = IP(src="192.168.1.10", dst="198.51.100.7") / UDP(sport=40000, dport=53) / Raw(b"hello, anonymous internet")
args = ["--alg", "aes128-gcm", "--spi", hex(spi), "--key", key.hex(), "--src", src, "--dst", dst]
sa = SecurityAssociation(ESP, spi=spi, crypt_algo="AES-GCM", crypt_key=key, tunnel_header=IP(src=src, dst=dst))

sealed = subprocess.run([tool, "seal", *args, "--seq", "1"], input=bytes(inner).hex() + "\n",
                        capture_output=True, text=True, check=True).stdout.strip()
pkt = IP(bytes.fromhex(sealed))
print(f"ainet sealed {len(bytes(inner))} inner bytes into a {len(pkt)}-byte ESP packet:")
print(f"  {pkt.summary()}  spi={pkt[ESP].spi:#x} seq={pkt[ESP].seq}")
opened = sa.decrypt(pkt)
ok1 = bytes(opened) == bytes(inner)
print(f"scapy opened it: {opened.summary()}  payload={bytes(opened[Raw].load)!r}  -> {'OK' if ok1 else 'MISMATCH'}")

sa.seq_num = 2
theirs = sa.encrypt(inner)
out = subprocess.run([tool, "open", *args], input=bytes(theirs).hex() + "\n",
                     capture_output=True, text=True, check=True).stdout.strip()
ok2 = bytes.fromhex(out) == bytes(inner)
print(f"scapy sealed seq={theirs[ESP].seq}; ainet opened it -> {'OK' if ok2 else 'MISMATCH'}")
sys.exit(0 if ok1 and ok2 else 1)
EOF

step "4/4 full scapy interop matrix (ESP GCM/ChaCha20/CBC/NULL, AH; v4/v6; UDP-encap; ESN)"
if /usr/bin/python3 tests/interop/test_scapy_interop.py --tool "$TOOL" >"$BUILD/demo-interop.log" 2>&1; then
  echo "interop: $(tail -n 1 "$BUILD/demo-interop.log")"
else
  FAILED=1
  grep -E '^FAIL' "$BUILD/demo-interop.log" | head -20
  echo "interop: $(tail -n 1 "$BUILD/demo-interop.log") (log: $BUILD/demo-interop.log)"
fi

echo
if [ $FAILED -eq 0 ]; then
  echo "=== [demo-ipsec] done: ainet's IPsec layer matches the RFC vectors and interoperates with scapy."
else
  echo "=== [demo-ipsec] FAILED (see above)"
fi
exit $FAILED
