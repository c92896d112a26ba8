# shellcheck shell=bash
# TUN offloads (docs/tun-offload.md): with tun_offload on at the initiator's
# ain-endpoint and at every aind (the exit ain3 is the one with a TUN), a
# 1 MB curl comes back byte-identical and iperf3 TCP runs through a 3-hop
# ANT; both TUNs really carried super-packets both ways (their status
# counters), none was refused; and the capture of the ANT's inter-AIN links
# shows one packet length only: the super-packets were cut before the
# cells, the cells kept their constant size (tests/e2e/shaping_check.py,
# length check; captured links have gso_max_segs 1, lib.sh e2e_capture).

# _tun_offload_live CARRIER
_tun_offload_live() {
  e2e_need_aind
  e2e_need_endpoint
  e2e_init
  export AINET_PCAP_DIR="$E2E_DIR/pcap"
  e2e_topology || return 1
  # The capture set gso_max_segs 1 on every link; the responder's link is
  # not checked here, and its TCP super-packets are what the exit's TUN is
  # to read whole (forwarded GSO packets), so it gets the default back.
  ip -n "$(e2e_ns ain3)" link set dev responder gso_max_segs 65535 || return 1
  ip -n "$(e2e_ns responder)" link set dev ain3 gso_max_segs 65535 || return 1
  e2e_routes_ant || return 1
  e2e_ant_gen "$1" 4 1 1400 --tun-offload on || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1
  e2e_endpoint_start initiator || return 1
  e2e_apps_start || return 1
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  e2e_check_iperf "$E2E_RESPONDER4" tcp || return 1
  # Downloads: the exit read super-packets, the endpoint wrote joined ones;
  # iperf3 (upload): the other way round.
  local sock="$E2E_DIR/conf/initiator/endpoint.sock" json expr
  expr='all(r["tun_offload"].get(k, 0) > 0 for k in ("super_packets_in", "segments_in", "super_packets_out", "segments_out")) and not any("tun_vnet_" in k for k in r["drops"])'
  json=$("$E2E_AINCTL" --socket "$sock" --json status 2>/dev/null) || { e2e_log "endpoint status failed"; return 1; }
  "$E2E_PY" -c "import json,sys; r=json.loads(sys.stdin.read()); sys.exit(0 if ($expr) else 1)" <<<"$json" ||
    { e2e_log "endpoint did not carry super-packets both ways: $json"; return 1; }
  e2e_log "  ok   endpoint TUN offload: $("$E2E_PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["tun_offload"])' <<<"$json")"
  json=$(e2e_ainctl ain3 --json status 2>/dev/null) || { e2e_log "ain3 status failed"; return 1; }
  "$E2E_PY" -c "import json,sys; r=json.loads(sys.stdin.read()); sys.exit(0 if ($expr) else 1)" <<<"$json" ||
    { e2e_log "the exit did not carry super-packets both ways: $json"; return 1; }
  e2e_log "  ok   exit TUN offload: $("$E2E_PY" -c 'import json,sys; print(json.loads(sys.stdin.read())["tun_offload"])' <<<"$json")"
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  local p
  for p in "${E2E_CAPTURE_PIDS[@]}"; do e2e_stop "$p" 5; done
  local -a hop files=()
  read -r -a hop <<<"$route"
  local d=$AINET_PCAP_DIR link i
  for ((i = 0; i + 1 < ${#hop[@]}; i++)); do
    link=ain${hop[i]}-ain${hop[i + 1]}
    [ -f "$d/$link.pcap" ] || link=ain${hop[i + 1]}-ain${hop[i]}
    [ -f "$d/$link.pcap" ] || { e2e_log "no capture of $link"; return 1; }
    files+=("L:$d/$link.pcap")
  done
  local out rc=0
  # The rate argument is unused by length-only (L:) checks.
  out=$("$E2E_PY" "$E2E_LIB_DIR/shaping_check.py" 1 "$E2E_DIR/conf/sa.txt" "${files[@]}" 2>&1) || rc=1
  while IFS= read -r line; do e2e_log "  $line"; done <<<"$out"
  return $rc
}

test_tun_offload_ip() { _tun_offload_live ip; }
test_tun_offload_udp() { _tun_offload_live udp; }
