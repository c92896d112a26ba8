#!/usr/bin/env bash
# scripts/demo-network.sh: the network part of the demo (scripts/demo.sh runs
# it when aind is built; needs root). It builds, in network namespaces,
#
#   initiator --- ain1 --- ain2 --- ain3 --- responder (HTTP server)
#                    \                /
#                     ---- ain4 ------
#
# starts one aind per AIN (fresh keys, signed directory: tests/e2e/gen_configs.py)
# and the initiator's customer endpoint, fetches a page from the responder
# with curl anonymously through an ANT, prints the ANT's path and counters
# (`ainctl ants`, `ainctl status`, `--json`), and removes everything at the
# end, also on Ctrl-C or failure (tests/e2e/lib.sh cleanup trap).
# Environment: AINET_BUILD_DIR (default build), AINET_DEMO_CARRIER (ip|udp),
# AINET_PCAP_DIR (capture every link, docs/pcap.md).
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export AINET_BUILD_DIR=${AINET_BUILD_DIR:-$ROOT/build}
case $AINET_BUILD_DIR in /*) ;; *) AINET_BUILD_DIR=$ROOT/$AINET_BUILD_DIR ;; esac
# shellcheck source=tests/e2e/lib.sh
source "$ROOT/tests/e2e/lib.sh"
# shellcheck source=tests/e2e/apps.sh
source "$ROOT/tests/e2e/apps.sh"
# shellcheck source=tests/e2e/ant.sh
source "$ROOT/tests/e2e/ant.sh"
CARRIER=${AINET_DEMO_CARRIER:-ip}
step() { echo; echo "=== [demo] $*"; }

[ "$(id -u)" -eq 0 ] || { echo "demo-network: needs root (network namespaces)"; exit 1; }
e2e_aind_runnable || { echo "demo-network: aind is not runnable ($E2E_AIND)"; exit 1; }
e2e_init

step "building the network: 6 namespaces ($E2E_PREFIX*), 6 veth links"
e2e_topology || exit 1
for l in 1 2 3 4 5 6; do
  read -r a b <<<"${E2E_LINKS[$l]}"
  printf '  %-10s %-15s <-> %-10s %s\n' "$a" "$(e2e_addr4 "$a" "$b")" "$b" "$(e2e_addr4 "$b" "$a")"
done

step "starting aind on ain1..ain4 (carrier $CARRIER) and the initiator's customer endpoint"
e2e_ant_network "$CARRIER" 4 1 || { echo "=== [demo] FAILED to start the AINs; logs:"; tail -n 5 "$E2E_DIR"/log/*; exit 1; }
for n in 1 2 3 4; do echo "  ain$n: $(e2e_ainctl "ain$n" status | head -n 3 | tr '\n' ' ')"; done

step "responder: python3 -m http.server on $E2E_RESPONDER4:8080"
mkdir -p "$E2E_DIR/www"
echo "Hello from the responder. You reached me through an anonymous IP tunnel (ANT)." >"$E2E_DIR/www/index.html"
e2e_http_server responder 8080 "$E2E_DIR/www" || exit 1

step "initiator: curl http://$E2E_RESPONDER4:8080/ (its only route there is the customer tunnel to ain1)"
echo "  initiator's route: $(e2e_nsx initiator ip route get "$E2E_RESPONDER4" | head -1)"
if ! e2e_nsx initiator curl -sS --max-time 20 "http://$E2E_RESPONDER4:8080/index.html"; then
  echo "=== [demo] FAILED: curl did not get the page"
  exit 1
fi
echo "  responder's log: $(tail -n 1 "$E2E_DIR"/log/http-8080.log)"

step "the ANT at the entrance ain1 (ainctl ants) and at every hop"
e2e_ainctl ain1 ants
echo "  route: $(e2e_ant_route)"
for n in 1 2 3 4; do echo "--- ain$n"; e2e_ainctl "ain$n" ants; e2e_ainctl "ain$n" tvts; done

step "the same as JSON (ainctl --json ants at ain1)"
e2e_ainctl ain1 --json ants

e2e_ant_dump_sas
step "done; removing namespaces and processes"
exit 0
