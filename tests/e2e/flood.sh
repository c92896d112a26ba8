# shellcheck shell=bash
# tests/e2e/flood.sh: a garbage flood on the first inter-AIN link of a live
# 3-hop ANT (issue 10, "Under load, nothing breaks"), shared by
# cases_flood.sh (the bounded test) and bench/flood (the long version).
#
# The flood comes from ain1's namespace (an attacker on the ain1 - ainM link,
# M the ANT's middle AIN), spoofing ain1's node address, at ainM's node
# address: tools/flood/garbage_flood (AH and ESP with random and with ainM's
# real inbound SPIs, cut-short AH/ESP, UDP). Every garbage packet carries
# DSCP 45, which nftables counters on both ends of the link count.

E2E_FLOOD_BIN=${AINET_FLOOD_BIN:-${AINET_BUILD_DIR:-$E2E_ROOT/build}/tools/flood/garbage_flood}
E2E_FLOOD_ACCOUNT="$E2E_LIB_DIR/flood_account.py"
FLOOD_MID=""

e2e_need_flood() {
  [ -x "$E2E_FLOOD_BIN" ] || { echo "SKIP: garbage_flood not built ($E2E_FLOOD_BIN)"; exit 77; }
}

# flood_up [CARRIER]: (ip or udp) topology, the ANT network, an iperf3 server at the
# responder, a first ping so the ANT exists; FLOOD_MID = its middle AIN; the
# nftables counters on ain1 (g_out) and ainM (g_ipsec, g_udp, r_ipsec).
FLOOD_CARRIER=ip
FLOOD_SPIS=""
flood_up() {
  FLOOD_CARRIER=${1:-ip}
  e2e_init
  e2e_topology || return 1
  e2e_ant_network "${1:-ip}" 4 1 || return 1
  e2e_iperf_server responder || return 1
  e2e_wait_for 15 e2e_nsx initiator ping -n -c 1 -W 1 "$E2E_RESPONDER4" || { e2e_log "no ping through the ANT"; return 1; }
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  read -r _ FLOOD_MID _ <<<"$route"
  e2e_log "ANT route: $route; flooding ain1 -> ain$FLOOD_MID"
  # Real cells on the udp carrier leave as UDP GSO super-packets, which a
  # veth pair and nftables count once while aind reads each datagram (a NIC
  # cuts them before the wire). gso_max_segs 1 makes the kernel cut them at
  # the sender here too, so every count below is per datagram (as e2e_capture
  # does for captures).
  local ns dev
  for ns in ain1 ain2 ain3 ain4; do
    for dev in $(ip -n "$(e2e_ns "$ns")" -o link show type veth | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
      ip -n "$(e2e_ns "$ns")" link set dev "$dev" gso_max_segs 1 || return 1
    done
  done
  e2e_nsx ain1 nft -f - <<'EOF' || return 1
table inet ainet_flood {
  counter g_out {}
  chain out {
    type filter hook postrouting priority 300; policy accept;
    ip dscp 45 counter name "g_out"
  }
}
EOF
  # g_ipsec / r_ipsec: garbage / real packets to aind's carrier sockets (AH
  # and ESP on the ip carrier, UDP port 4500 on the udp carrier); g_udp:
  # garbage UDP to other ports (the kernel's).
  local carrier_match='meta l4proto { 50, 51 }' other_udp='meta l4proto udp'
  if [ "$FLOOD_CARRIER" = udp ]; then
    carrier_match='udp dport 4500'
    other_udp='udp dport != 4500'
  fi
  e2e_nsx "ain$FLOOD_MID" nft -f - <<EOF || return 1
table inet ainet_flood {
  counter g_ipsec {}
  counter g_udp {}
  counter r_ipsec {}
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    ip dscp 45 $carrier_match counter name "g_ipsec"
    ip dscp 45 $other_udp counter name "g_udp"
    ip dscp != 45 $carrier_match counter name "r_ipsec"
  }
}
EOF
}

# flood_snapshot FILE: every counter of the accounting (flood_account.py).
flood_snapshot() {
  "$E2E_PY" "$E2E_FLOOD_ACCOUNT" snapshot --mid-ns "$(e2e_ns "ain$FLOOD_MID")" --src-ns "$(e2e_ns ain1)" \
    --mid-sock "$E2E_DIR/conf/ain$FLOOD_MID/aind.sock" --ainctl "$E2E_AINCTL" \
    --src-if "ain$FLOOD_MID" --mid-if ain1 --carrier "$FLOOD_CARRIER" >"$1"
}

# flood_spis: ainM's inbound SPIs (its PVT with ain1, its TVTs), comma-separated.
flood_spis() {
  local p t
  p=$(e2e_ainctl_json "ain$FLOOD_MID" pvts '",".join(str(x) for p in r["pvts"] for x in (p["esp_spi_in"], p["ah_spi_in"]))') || return 1
  t=$(e2e_ainctl_json "ain$FLOOD_MID" tvts '",".join(str(t["spi_in"]) for t in r["tvts"])') || return 1
  echo "$p,$t"
}

# flood_start SECONDS COUNT OUT: garbage_flood in ain1's namespace in the
# background (its JSON summary goes to OUT); pid in E2E_LAST_PID.
flood_start() {
  # Listed once (a later flood may run while that aind is stopped).
  [ -n "$FLOOD_SPIS" ] || FLOOD_SPIS=$(flood_spis) || { e2e_log "could not list ain$FLOOD_MID's SPIs"; return 1; }
  local spis=$FLOOD_SPIS
  e2e_log "flood: ${1}s or $2 packets, real SPIs $spis"
  # On the udp carrier only UDP reaches aind: all of it goes to port 4500
  # (ESP-in-UDP with random and real SPIs, cut short).
  local -a extra=()
  [ "$FLOOD_CARRIER" = udp ] && extra=(--classes udp --udp-port 4500)
  # AINET_FLOOD_KEEPALIVES=1: the accounting's negative control (some UDP
  # packets are NAT-keepalives, which aind ignores uncounted by design).
  [ "${AINET_FLOOD_KEEPALIVES:-0}" = 1 ] && extra+=(--keepalives 1)
  ip netns exec "$(e2e_ns ain1)" "$E2E_FLOOD_BIN" --src 10.200.0.1 --dst "10.200.0.$FLOOD_MID" \
    --spi "$spis" --seconds "$1" --count "$2" --seed "$RANDOM" "${extra[@]}" >"$3" 2>"$3.err" &
  E2E_LAST_PID=$!
  E2E_PIDS+=("$E2E_LAST_PID")
}

# flood_iperf SECONDS OUT: iperf3 TCP through the ANT, JSON to OUT.
flood_iperf() {
  e2e_nsx initiator timeout $(($1 + 30)) iperf3 -c "$E2E_RESPONDER4" -p 5201 -t "$1" -J --connect-timeout 5000 >"$2"
}

# flood_mbps IPERF-JSON [FROM TO]: receiver rate, or the mean rate of the
# intervals that start in [FROM, TO) seconds.
flood_mbps() {
  "$E2E_PY" - "$@" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
if len(sys.argv) == 2:
    print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))
else:
    lo, hi = float(sys.argv[2]), float(sys.argv[3])
    iv = [i["sum"] for i in d["intervals"] if lo <= i["sum"]["start"] < hi]
    print("%.1f" % (sum(i["bytes"] for i in iv) * 8 / max(1e-9, sum(i["seconds"] for i in iv)) / 1e6))
PY
}
