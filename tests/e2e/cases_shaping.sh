# shellcheck shell=bash
# Traffic shaping on real links (paper §5.4; docs/protocol.md "Shaping";
# issue 8): with constant shaping on every ANT and every customer tunnel,
# both ways, and padded customer tunnels, ping, curl and iperf3 still work
# through a 3-hop ANT, and the capture of every link (the initiator's
# customer link and the inter-AIN links of the route; the idle inter-AIN
# links for the length) shows one packet length and every shaped SPI at the
# configured rate within 5%
# (tests/e2e/shaping_check.py, from the packets alone).

SHAPING_RATE=200  # cells/s: a 1365-byte datagram each, ~2.2 Mbit/s per direction

# _shaping_live CARRIER
_shaping_live() {
  e2e_need_aind
  e2e_need_endpoint
  e2e_init
  export AINET_PCAP_DIR="$E2E_DIR/pcap"
  e2e_topology || return 1
  e2e_routes_ant || return 1
  e2e_ant_gen "$1" 4 1 1400 --shaping-rate "$SHAPING_RATE" || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1
  e2e_endpoint_start initiator || return 1
  e2e_apps_start || return 1
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  e2e_check_iperf "$E2E_RESPONDER4" tcp || return 1
  # A few seconds with nothing to carry: the links must not change.
  sleep 3
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  # The entrance sent both real and dummy cells in its slots.
  e2e_ainctl_json ain1 ants \
    'all(a["cells_real"] > 0 and a["cells_dummy"] > 0 and a["rate"] == '"$SHAPING_RATE"' for a in r["ants"] if a["role"] == "entrance")' \
    >/dev/null || { e2e_log "ain1's ANT did not send real and dummy cells"; e2e_ainctl ain1 ants >&2; return 1; }
  local p
  for p in "${E2E_CAPTURE_PIDS[@]}"; do e2e_stop "$p" 5; done
  # The links of this run: the customer link and the route's links.
  local -a hop files=()
  read -r -a hop <<<"$route"
  local d=$AINET_PCAP_DIR link i
  for link in initiator-ain1 ain1-initiator; do [ -f "$d/$link.pcap" ] && files+=("$d/$link.pcap") && break; done
  for ((i = 0; i + 1 < ${#hop[@]}; i++)); do
    link=ain${hop[i]}-ain${hop[i + 1]}
    [ -f "$d/$link.pcap" ] || link=ain${hop[i + 1]}-ain${hop[i]}
    files+=("$d/$link.pcap")
  done
  [ ${#files[@]} -eq ${#hop[@]} ] || { e2e_log "captures missing: ${files[*]}"; return 1; }
  # The other inter-AIN links carry PVT signaling only: one length there too.
  for link in ain1-ain2 ain2-ain3 ain1-ain4 ain4-ain3; do
    [ -f "$d/$link.pcap" ] || continue
    [[ " ${files[*]} " == *" $d/$link.pcap "* ]] || files+=("L:$d/$link.pcap")
  done
  local out rc=0
  out=$("$E2E_PY" "$E2E_LIB_DIR/shaping_check.py" "$SHAPING_RATE" "$E2E_DIR/conf/sa.txt" "${files[@]}" 2>&1) || rc=1
  while IFS= read -r line; do e2e_log "  $line"; done <<<"$out"
  return $rc
}

test_shaping_constant_ip() { _shaping_live ip; }
test_shaping_constant_udp() { _shaping_live udp; }
