# shellcheck shell=bash
# ain-endpoint over IKEv2 (issue 9, docs/ike.md "ain-endpoint over IKEv2"):
# gen_configs.py --registered-responder --ike-endpoints. The initiator's
# ain-endpoint is IKE initiator to ain1 (customer 10, PSK, inner address by
# CP from ain1's pool_v4); the registered responder's ain-endpoint is IKE
# initiator to the exit ain3 ([[responder]] 20, PSK, its own address as TSi).
# No manual keys anywhere on the customer tunnels; udp carrier (the child
# SAs are ESP in UDP on 4500, RFC 3948).

_iep_sock() { echo "$E2E_DIR/conf/$1/endpoint.sock"; }

# _iep_json NODE PYTHON-EXPR: EXPR on NODE's endpoint `status` result `r`.
_iep_json() {
  local json
  json=$("$E2E_AINCTL" --socket "$(_iep_sock "$1")" --json status 2>/dev/null) || return 1
  "$E2E_PY" -c "import json,sys; r=json.loads(sys.stdin.read()); v=($2); print(v if not isinstance(v,bool) else int(v)); sys.exit(0 if v not in (False, None) else 1)" <<<"$json"
}

# _iep_endpoint NODE: NODE's ain-endpoint (endpoint.ike) started; E2E_LAST_PID.
_iep_endpoint() {
  local -a cmd
  read -r -a cmd <<<"$(e2e_endpoint_cmd)"
  e2e_bg "$1" "endpoint-$1" "${cmd[@]}" "$E2E_DIR/conf/$1/endpoint.toml"
}

# _iep_net [CARRIER]: topology, configs, AINs (udp carrier unless CARRIER);
# no endpoint yet.
_iep_net() {
  e2e_need_aind
  e2e_need_endpoint "endpoint.ike"
  e2e_init
  e2e_topology || return 1
  e2e_routes_ant || return 1
  e2e_ant_gen "${1:-udp}" 4 1 --registered-responder --ike-endpoints || { e2e_log "config generation failed"; return 1; }
  # ain3 -> responder: ESP leaves from ain3's directory address (the
  # endpoint accepts only its AIN's), as in cases_nat.sh.
  e2e_nsx ain3 ip route replace 10.200.4.2/32 dev responder src 10.200.0.3
  e2e_ant_start_ains || return 1
}

# _iep_up [CARRIER]: _iep_net, then both endpoints with their IKE SAs and
# child SAs up, and the servers. Sets IEP_VIP (the initiator's CP address).
_iep_up() {
  _iep_net "$@" || return 1
  _iep_endpoint responder
  e2e_wait_for 20 _iep_json responder "len(r['ike']['sas']) == 1 and r['ike']['sas'][0]['state'] == 'established' and len(r['ike']['sas'][0]['children']) == 1" ||
    { e2e_log "the responder's endpoint has no IKE SA with ain3: $(tail -n 10 "$E2E_DIR/log/endpoint-responder.log" | tr '\n' ' ')"; return 1; }
  _iep_endpoint initiator
  E2E_ENDPOINT_PID=$E2E_LAST_PID
  e2e_wait_for 20 _iep_json initiator "len(r['ike']['sas']) == 1 and r['ike']['sas'][0]['state'] == 'established' and r['ike']['sas'][0]['virtual_ip'] != '' and r['esp_spi_in'] > 0" ||
    { e2e_log "the initiator's endpoint has no IKE SA with ain1: $(tail -n 10 "$E2E_DIR/log/endpoint-initiator.log" | tr '\n' ' ')"; return 1; }
  IEP_VIP=$(_iep_json initiator "r['ike']['sas'][0]['virtual_ip']") || return 1
  e2e_apps_start 0 || return 1
}

# Initiator and registered responder both on IKEv2: ping and a 1 MB curl
# (byte-identical) through a 3-hop ANT ending at ain3, which hands them to
# the responder's IKE child SA; the responder sees the initiator's CP address.
# Then a child SA rekey (started by ain1) under a running ping: nothing lost
# beyond one packet, the endpoint sends on the new SA and its old SA is
# deleted. SIGTERM on the initiator's endpoint deletes its IKE SA at ain1.
test_ike_endpoint_registered_responder() {
  _iep_up || return 1
  "$E2E_AINCTL" --socket "$(_iep_sock initiator)" status >&2
  "$E2E_AINCTL" --socket "$(_iep_sock responder)" status >&2
  [[ $IEP_VIP == ${GEN_IKE_POOL4%.0/24}.* ]] || { e2e_log "CP address $IEP_VIP is not from $GEN_IKE_POOL4"; return 1; }
  _iep_json initiator "r['inner_addresses'] == ['$IEP_VIP']" >/dev/null ||
    { e2e_log "the initiator's status does not show its CP address as inner address"; return 1; }
  e2e_nsx initiator ip -4 addr show dev ainc0 | grep -q "inet $IEP_VIP/32" ||
    { e2e_log "the CP address $IEP_VIP is not on the initiator's TUN"; return 1; }
  e2e_log "  ok   initiator endpoint: IKE SA with ain1 up, inner address $IEP_VIP by CP (on ainc0)"
  e2e_ainctl ain1 ike >&2
  e2e_ainctl ain3 ike >&2
  e2e_ainctl_json ain1 ike "len(r['ike_sas']) == 1 and r['ike_sas'][0]['customer'] == $GEN_CUSTOMER and r['ike_sas'][0]['virtual_ip'] == '$IEP_VIP'" >/dev/null ||
    { e2e_log "ain1 does not list customer $GEN_CUSTOMER's IKE SA with $IEP_VIP"; return 1; }
  e2e_ainctl_json ain3 ike "len(r['ike_sas']) == 1 and r['ike_sas'][0]['customer'] == $GEN_RESPONDER_ID and r['ike_sas'][0]['virtual_ip'] == '' and any('10.200.4.2' in t for t in r['ike_sas'][0]['children'][0]['ts_remote'])" >/dev/null ||
    { e2e_log "ain3 does not list responder $GEN_RESPONDER_ID's IKE SA (no CP, TSi 10.200.4.2)"; return 1; }
  e2e_log "  ok   ain1 lists customer $GEN_CUSTOMER ($IEP_VIP), ain3 responder $GEN_RESPONDER_ID (no CP)"

  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  [ "$(wc -w <<<"$route")" = 3 ] && [ "${route##* }" = 3 ] || { e2e_log "ANT route '$route' is not 3 hops to ain3"; return 1; }
  grep -q "$IEP_VIP " "$E2E_DIR/log/http-8080.log" ||
    { e2e_log "the responder's HTTP server did not see $IEP_VIP:"; sed 's/^/    /' "$E2E_DIR/log/http-8080.log" >&2; return 1; }
  e2e_log "  ok   ping and curl through ANT $route to the IKE-keyed registered responder, which saw $IEP_VIP"

  # A child SA rekey by ain1 (CREATE_CHILD_SA to the endpoint) under traffic.
  local spi out
  spi=$(_iep_json initiator "r['esp_spi_in']") || return 1
  e2e_nsx initiator ping -n -c 30 -i 0.1 -W 2 "$E2E_RESPONDER4" >"$E2E_DIR/rekey-ping.txt" 2>&1 &
  local pp=$!
  sleep 1
  local aspi
  aspi=$(e2e_ainctl_json ain1 ike "int(r['ike_sas'][0]['children'][0]['spi_in'], 16)") || return 1
  e2e_ainctl ain1 ike rekey --child "$aspi" >&2 || { e2e_log "ainctl ike rekey --child failed"; return 1; }
  wait "$pp"
  out=$(grep -E "packets transmitted" "$E2E_DIR/rekey-ping.txt")
  e2e_log "  ping during the rekey: $out"
  "$E2E_PY" -c "import re,sys; m=re.search(r'(\d+) packets transmitted, (\d+) received', sys.argv[1]); sys.exit(0 if m and int(m[2]) >= int(m[1]) - 1 else 1)" "$out" ||
    { e2e_log "more than one ping lost during the rekey"; return 1; }
  e2e_wait_for 10 _iep_json initiator "r['esp_spi_in'] != $spi and len(r['ike']['sas'][0]['children']) == 1 and r['ike']['sas'][0]['children'][0]['rekeys'] >= 1" ||
    { e2e_log "the initiator's endpoint did not move to the rekeyed child SA: $("$E2E_AINCTL" --socket "$(_iep_sock initiator)" --json status | tr '\n' ' ' | head -c 1500)"; return 1; }
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  e2e_log "  ok   child SA rekeyed under traffic (inbound SPI $(printf 0x%08x "$spi") -> $(printf 0x%08x "$(_iep_json initiator "r['esp_spi_in']")")); curl still byte-identical"

  # The AIN deletes the IKE SA (RFC 7296 §1.4.1): the endpoint drops its
  # child SA and starts a new IKE SA 5 s later, asking for (and getting,
  # §3.15.1) its old inner address; traffic flows again.
  local handle
  handle=$(e2e_ainctl_json ain1 ike "r['ike_sas'][0]['handle']") || return 1
  e2e_ainctl ain1 ike terminate "$handle" >&2 || { e2e_log "ainctl ike terminate failed"; return 1; }
  e2e_wait_for 5 _iep_json initiator "r['ike']['sas'] == [] and r['esp_spi_in'] == 0" ||
    { e2e_log "the endpoint kept its SAs after the AIN's Delete"; return 1; }
  e2e_wait_for 20 _iep_json initiator "len(r['ike']['sas']) == 1 and r['ike']['sas'][0]['state'] == 'established' and r['esp_spi_in'] > 0 and r['ike']['sas'][0]['virtual_ip'] == '$IEP_VIP'" ||
    { e2e_log "the endpoint did not start a new IKE SA after the Delete: $(tail -n 5 "$E2E_DIR/log/endpoint-initiator.log" | tr '\n' ' ')"; return 1; }
  e2e_wait_for 10 e2e_nsx initiator ping -n -c 1 -W 1 "$E2E_RESPONDER4" || { e2e_log "no traffic after the new IKE SA"; return 1; }
  e2e_log "  ok   Delete from ain1: the endpoint dropped its SAs, started a new IKE SA, ping answered again"

  # SIGTERM: Delete of the IKE SA, nothing left at ain1.
  e2e_stop "$E2E_ENDPOINT_PID" 10
  e2e_wait_for 10 e2e_ainctl_json ain1 ike "r['ike_sas'] == [] and r['counters']['state_children'] == 0 and r['counters']['state_leases'] == 0" ||
    { e2e_log "ain1 keeps IKE state after the endpoint stopped: $(e2e_ainctl ain1 --json ike | tr '\n' ' ' | head -c 800)"; return 1; }
  e2e_log "  ok   the stopped endpoint deleted its IKE SA: no IKE SA, child or lease left at ain1"
}

# A wrong PSK in the initiator's endpoint.ike: ain1 answers IKE_AUTH with
# AUTHENTICATION_FAILED, the endpoint says so in its log and exits non-zero,
# and ain1 keeps no IKE, half-open or child SA and no lease.
test_ike_endpoint_wrong_psk() {
  _iep_net || return 1
  echo "not-the-right-psk-0123456789abcdef" >"$E2E_DIR/conf/initiator/ike.psk"
  _iep_endpoint initiator
  local pid=$E2E_LAST_PID rc
  e2e_wait_for 20 bash -c "! kill -0 $pid" || { e2e_log "the endpoint with a wrong PSK is still running"; return 1; }
  wait "$pid"
  rc=$?
  cat "$E2E_DIR/log/endpoint-initiator.log" >&2
  [ "$rc" -ne 0 ] || { e2e_log "the endpoint exited 0 after a refused authentication"; return 1; }
  grep -q "the AIN refused this endpoint: authentication failed (AUTHENTICATION_FAILED" "$E2E_DIR/log/endpoint-initiator.log" ||
    { e2e_log "no clear authentication error in the endpoint's log"; return 1; }
  e2e_ainctl ain1 ike >&2
  e2e_ainctl_json ain1 ike "r['counters']['auth_failed_sent'] >= 1 and r['ike_sas'] == [] and r['counters']['state_ike_sas'] == 0 and r['counters']['state_half_open'] == 0 and r['counters']['state_children'] == 0 and r['counters']['state_leases'] == 0" >/dev/null ||
    { e2e_log "ain1 after the wrong PSK: $(e2e_ainctl ain1 --json ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_log "  ok   wrong PSK: endpoint exit $rc with 'authentication failed', ain1 sent AUTHENTICATION_FAILED and kept no state"
}

# The AINs on the ip carrier (AH+ESP PVTs on raw sockets): both endpoints'
# ESP in UDP goes to the IKE node's own port 4500 at ain1 and ain3. Ping and
# a 1 MB curl (byte-identical) through a 3-hop ANT.
test_ike_endpoint_ip_carrier() {
  _iep_up ip || return 1
  grep -q '^carrier = "ip"' "$E2E_DIR/conf/ain1/aind.toml" || { e2e_log "the AINs are not on the ip carrier"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  [ "${route##* }" = 3 ] || { e2e_log "ANT route '$route' does not end at ain3"; return 1; }
  e2e_log "  ok   ip-carrier AINs: both endpoints over IKEv2 (ESP in UDP on 4500), ping and curl through ANT $route"
}
