# shellcheck shell=bash
# NAT traversal of the udp carrier (RFC 3948) and registered responders
# behind another AIN's exit (paper §4.4, §5.3; aind's [[remote_responder]]).
# All nftables rules live in the test's own namespaces (lib.sh rules).

# ---------------------------------------------------------------------------
# udp carrier through a NAT that rewrites the source port.
# ---------------------------------------------------------------------------

# _nat_initiator_rules: in the initiator's namespace, the customer endpoint's
# UDP 4500 packets to ain1 leave with their source port rewritten into
# 40000-40009 (a NAPT). A packet arriving for port 4500 that is not the
# reverse of that mapping (ct state new) is dropped, as a real NAT would:
# so ain1 reaches the endpoint only if it answers the mapped port (RFC 3948
# §3). Counters, read before conntrack/NAT (priority raw): packets ain1 sent
# to the mapped ports and to 4500.
_nat_initiator_rules() {
  e2e_nsx initiator nft -f - <<EOF
table ip ainet_e2e_nat {
  counter snatted {}
  counter to_mapped {}
  counter to_4500 {}
  counter dropped_new {}
  counter to_forger {}
  chain seen_in {
    type filter hook prerouting priority raw; policy accept;
    iifname "ain1" ip saddr 10.200.0.1 udp sport 4500 udp dport 40000-40009 counter name "to_mapped"
    iifname "ain1" ip saddr 10.200.0.1 udp sport 4500 udp dport 4500 counter name "to_4500"
    iifname "ain1" ip saddr 10.200.0.1 udp sport 4500 udp dport 40555 counter name "to_forger"
  }
  chain napt_out {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ain1" ip daddr 10.200.0.1 udp sport 4500 counter name "snatted" snat to 10.200.1.1:40000-40009
  }
  chain unmapped_in {
    type filter hook input priority filter; policy accept;
    udp dport 4500 ct state new counter name "dropped_new" drop
  }
}
EOF
}

# _nat_counter NAME: packets counted by the named counter above.
_nat_counter() {
  e2e_nsx initiator nft list counter ip ainet_e2e_nat "$1" 2>/dev/null |
    sed -n 's/.*packets \([0-9]*\).*/\1/p' | head -1
}

# The initiator's endpoint is behind a NAPT (source port 4500 -> 4000x): ain1
# learns the mapped port from the first authenticated packet and answers
# there, so ping and curl (v4 and v6 inside, v4 outside) work, and every
# packet ain1 sent to the initiator went to the mapped port, none to 4500.
# With ain1 answering port 4500 (aind before the NAT-T port learning) the
# replies are dropped by the NAT and this test fails.
test_nat_udp_carrier_port_mapped() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  _nat_initiator_rules || { e2e_log "nft rules for the NAT failed"; return 1; }
  e2e_ant_network udp 4 1 || return 1
  e2e_apps_start 30 || return 1
  local f=0
  e2e_check_ping "$E2E_RESPONDER4" 5 || f=$((f + 1))
  e2e_check_ping "$E2E_RESPONDER6" 3 || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER4" index.html || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER6" 1m.bin || f=$((f + 1))
  local snatted mapped to4500 dropped
  snatted=$(_nat_counter snatted)
  mapped=$(_nat_counter to_mapped)
  to4500=$(_nat_counter to_4500)
  dropped=$(_nat_counter dropped_new)
  # The nat chain sees only a connection's first packet: snatted counts flows.
  e2e_log "NAT at the initiator: ${snatted:-?} UDP flow(s) source-NATed to 10.200.1.1:40000-40009;" \
    "ain1 sent ${mapped:-?} to the mapped port, ${to4500:-?} to port 4500 (${dropped:-?} dropped as unmapped)"
  e2e_ainctl ain1 customers >&2 2>&1
  [ "${snatted:-0}" -gt 0 ] || { e2e_log "  FAIL the endpoint's packets were not source-NATed"; f=$((f + 1)); }
  [ "${mapped:-0}" -gt 0 ] || { e2e_log "  FAIL ain1 sent nothing to the mapped port"; f=$((f + 1)); }
  [ "${to4500:-1}" -eq 0 ] && [ "${dropped:-1}" -eq 0 ] ||
    { e2e_log "  FAIL ain1 sent packets to the unmapped port 4500"; f=$((f + 1)); }
  [ $f -eq 0 ] && e2e_log "  ok   ain1 answered the NAT-mapped port only ($mapped packets)"
  _nat_forged_port_ignored || f=$((f + 1))
  return $f
}

# RFC 7296 §2.23: packets from a new port that no SA authenticates must not
# move the mapping. While the responder streams 30 MB to the initiator (so
# ain1 keeps sending to the initiator between the initiator's own packets),
# 40 forged ESP-in-UDP packets claiming the initiator's customer SPI arrive
# from the initiator's own address, port 40555 (outside the NAT): ain1 drops
# them, the download completes intact, and ain1 sends nothing to port 40555.
# (An aind that learned ports from every received packet sends part of the
# stream to 40555 and fails here.)
_nat_forged_port_ignored() {
  local spi drops0 drops1 mapped0 mapped1 forger
  spi=$(sed -n '/\[endpoint\.out\]/,/\[endpoint\.in\]/s/^ *esp_spi = \(0x[0-9a-f]*\)/\1/p' "$E2E_DIR/conf/initiator/endpoint.toml" | head -1)
  [ -n "$spi" ] || { e2e_log "  FAIL no customer SPI in endpoint.toml"; return 1; }
  drops0=$(e2e_ainctl_json ain1 status 'str(sum(r["drops"].values()))') || drops0=0
  mapped0=$(_nat_counter to_mapped)
  local curl_pid rc=0
  e2e_check_http "$E2E_RESPONDER4" big.bin http 120 &
  curl_pid=$!
  sleep 0.3
  e2e_nsx initiator "$E2E_PY" - "$spi" <<'PY' || { e2e_log "  FAIL could not send the forged packets"; wait "$curl_pid"; return 1; }
import os, socket, struct, sys, time
spi = int(sys.argv[1], 16)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("10.200.1.1", 40555))
for seq in range(1, 41):
    # RFC 4303 §2: SPI, sequence number, then IV/ciphertext/ICV (junk here).
    s.sendto(struct.pack("!II", spi, 1_000_000 + seq) + os.urandom(80), ("10.200.0.1", 4500))
    time.sleep(0.02)
PY
  wait "$curl_pid" || rc=1
  [ $rc -eq 0 ] || { e2e_log "  FAIL the download during the forgery broke"; return 1; }
  drops1=$(e2e_ainctl_json ain1 status 'str(sum(r["drops"].values()))') || drops1=0
  mapped1=$(_nat_counter to_mapped)
  forger=$(_nat_counter to_forger)
  e2e_log "forged packets from port 40555: ain1 drops $drops0 -> $drops1; to the mapped port $mapped0 -> $mapped1;" \
    "to port 40555: ${forger:-?}"
  [ $((drops1 - drops0)) -ge 40 ] || { e2e_log "  FAIL ain1 did not drop the 40 forged packets"; return 1; }
  [ "${forger:-1}" -eq 0 ] || { e2e_log "  FAIL ain1 answered the forger's port"; return 1; }
  [ "${mapped1:-0}" -gt "${mapped0:-0}" ] || { e2e_log "  FAIL ain1 stopped answering the mapped port"; return 1; }
  e2e_log "  ok   forged packets from a new port did not move ain1's replies"
}

# ---------------------------------------------------------------------------
# Registered responder behind ain3, named by ain1's [[remote_responder]].
# ---------------------------------------------------------------------------

# _rr_network CARRIER: like e2e_ant_network (ant.sh), with configs from
# gen_configs.py --registered-responder: the responder host runs ain-endpoint
# (role responder) with a tunnel to ain3, ain3 lists it as [[responder]] 20,
# ain1 has [[remote_responder]] exit = 3, responder_id = 20 for the
# responder's prefixes.
_rr_network() {
  e2e_routes_ant || return 1
  e2e_ant_gen "$1" 4 1 --registered-responder || { e2e_log "config generation failed"; return 1; }
  # ain3 -> responder tunnel packets carry ain3's directory address (the
  # endpoint accepts only those), as ain1 does towards the initiator.
  e2e_nsx ain3 ip route replace 10.200.4.2/32 dev responder src 10.200.0.3
  e2e_nsx ain3 ip -6 route replace fd00:200:0:4::2/128 dev responder src fd00:200::3
  e2e_ant_start_ains || return 1
  # The responder's endpoint (ain-endpoint sets its TUN's routes itself).
  local -a cmd
  read -r -a cmd <<<"$(e2e_endpoint_cmd)"
  e2e_bg responder "endpoint-responder" "${cmd[@]}" "$E2E_DIR/conf/responder/endpoint.toml"
  e2e_wait_for 10 e2e_nsx responder ip link show dev ainc0 || { e2e_log "responder endpoint made no TUN ainc0"; return 1; }
  e2e_wait_for 10 bash -c "ip netns exec '$(e2e_ns responder)' ip route get 10.99.0.1 | grep -q ainc0" ||
    { e2e_log "responder endpoint set no route to the initiator's inner sources"; return 1; }
  e2e_endpoint_start || return 1
}

# _rr_apps CARRIER: ping and curl (v4 and v6) from the initiator reach the
# registered responder through an ANT ending at ain3, which hands the
# datagrams to the responder's tunnel unchanged instead of delivering them
# locally: at ain3 nothing was delivered locally, the responder customer
# carried packets both ways, the exit ANT's inner pair is the initiator's
# inner source -> responder, and the responder's HTTP server saw the
# initiator's inner source (local delivery would show an exit-pool address,
# 100.64.3.x).
_rr_apps() {
  e2e_need_aind
  e2e_need_endpoint "the responder role"
  e2e_init
  e2e_topology || return 1
  _rr_network "$1" || return 1
  e2e_apps_start || return 1
  local f=0
  e2e_check_ping "$E2E_RESPONDER4" 5 || f=$((f + 1))
  e2e_check_ping "$E2E_RESPONDER6" 3 || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER4" index.html || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER6" 1m.bin || f=$((f + 1))
  e2e_log "ANT route at ain1: $(e2e_ant_route || echo '?')"
  e2e_ainctl ain3 ants >&2 2>&1
  e2e_ainctl ain3 customers >&2 2>&1
  local route
  route=$(e2e_ant_route) || route=""
  [ "${route##* }" = 3 ] || { e2e_log "  FAIL the ANT does not end at ain3 (route '$route')"; f=$((f + 1)); }
  e2e_ainctl_json ain3 ants \
    "any(a['role'] == 'exit' and a['up'] and a['inner_src'] == '$GEN_INNER4' and a['inner_dst'] == '$E2E_RESPONDER4' and a['responder'] == $GEN_RESPONDER_ID and a['exit_src'] == '$GEN_INNER4' for a in r['ants'])" \
    >/dev/null || { e2e_log "  FAIL ain3 lists no exit ANT $GEN_INNER4 -> $E2E_RESPONDER4 delivering to responder $GEN_RESPONDER_ID"; f=$((f + 1)); }
  local local_n
  # str(): e2e_ainctl_json fails on a falsy value, and 0 is what we expect.
  local_n=$(e2e_ainctl_json ain3 status 'str(r["delivered_local"])') || local_n=?
  [ "$local_n" = 0 ] || { e2e_log "  FAIL ain3 delivered $local_n datagrams locally"; f=$((f + 1)); }
  e2e_ainctl_json ain3 customers \
    "next(c for c in r['customers'] if c['id'] == $GEN_RESPONDER_ID and c['role'] == 'responder')['packets_out'] > 0 and next(c for c in r['customers'] if c['id'] == $GEN_RESPONDER_ID)['packets_in'] > 0" \
    >/dev/null || { e2e_log "  FAIL ain3's responder customer $GEN_RESPONDER_ID carried no packets both ways"; f=$((f + 1)); }
  if grep -q "$GEN_INNER4 " "$E2E_DIR/log/http-8080.log" && ! grep -q '100\.64\.3\.' "$E2E_DIR/log/http-8080.log"; then
    e2e_log "  ok   the responder saw the initiator's inner source $GEN_INNER4 (no exit-pool rewrite)"
  else
    e2e_log "  FAIL the responder's HTTP log shows other clients:"; sed 's/^/    /' "$E2E_DIR/log/http-8080.log" >&2
    f=$((f + 1))
  fi
  [ $f -eq 0 ] && e2e_log "  ok   ain3 delivered to registered responder $GEN_RESPONDER_ID (delivered_local 0)"
  e2e_ant_dump_sas
  return $f
}

test_nat_registered_responder_ip() { _rr_apps ip; }
test_nat_registered_responder_udp() { _rr_apps udp; }

# aind refuses (at --check and at start) a [[remote_responder]] whose exit
# is not in the directory; the config loader alone cannot know.
test_nat_remote_responder_exit_checked() {
  e2e_need_aind
  e2e_init
  e2e_ant_gen ip 4 1 --registered-responder >/dev/null || return 1
  local cfg=$E2E_DIR/conf/ain1/aind.toml out
  "$E2E_AIND" --config "$cfg" --check >"$E2E_DIR/log/check-ok.log" 2>&1 ||
    { e2e_log "aind --check refuses the good config: $(cat "$E2E_DIR/log/check-ok.log")"; return 1; }
  sed -i 's/^exit = 3$/exit = 9/' "$cfg"
  out=$("$E2E_AIND" --config "$cfg" --check 2>&1) && { e2e_log "aind --check accepted exit = 9"; return 1; }
  case $out in
    *"remote_responder[0].exit: AIN 9 is not in "*) e2e_log "  ok   refused: $out" ;;
    *) e2e_log "unexpected message: $out"; return 1 ;;
  esac
}
