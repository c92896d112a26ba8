# shellcheck shell=bash
# The customer endpoint's control socket (docs/control.md "ain-endpoint"):
# ainctl --socket on the initiator's ain-endpoint, with traffic through a live
# ANT. Needs aind, ainctl and ain-endpoint (the scapy stand-in has no socket).

_endpoint_sock() { echo "$E2E_DIR/conf/initiator/endpoint.sock"; }

# _endpoint_json PYTHON-EXPR: evaluates EXPR on the initiator endpoint's
# `status` result `r` (ainctl --json); prints the value, fails when falsy.
_endpoint_json() {
  local json
  json=$("$E2E_AINCTL" --socket "$(_endpoint_sock)" --json status 2>/dev/null) || return 1
  "$E2E_PY" -c "import json,sys; r=json.loads(sys.stdin.read()); v=($1); print(v if not isinstance(v,bool) else int(v)); sys.exit(0 if v not in (False, None) else 1)" <<<"$json"
}


# After a ping through the ANT, the initiator's endpoint reports itself over
# its socket (role, TUN, carrier, SPIs), its packet counters moved by at least
# the pings, and the flow to the responder is listed with both directions
# counted. A socket file left by a SIGKILLed endpoint does not stop the next
# one; a SIGTERMed endpoint removes its socket. $1: the carrier.
_endpoint_control() {
  local carrier=$1
  e2e_need_aind
  if [ -z "${AINET_ENDPOINT_CMD:-}" ] && [ ! -x "$(dirname "$E2E_AIND")/ain-endpoint" ]; then
    echo "SKIP: ain-endpoint not built next to aind (the stand-in endpoint has no control socket)"
    exit 77
  fi
  _ant_up "$carrier" || return 1
  local sock out0 in0 flow0 flow
  sock=$(_endpoint_sock)
  # The flow to the responder, as the endpoint lists it (a Python expression).
  flow='next((f for f in r["flows"] if f["dst"] == "'"$E2E_RESPONDER4"'"), None)'
  [ -S "$sock" ] || { e2e_log "the endpoint made no control socket at $sock"; return 1; }
  _endpoint_json 'r["kind"] == "endpoint" and r["role"] == "initiator" and r["anonymity_option"] == 1 and r["tun_name"] == "ainc0" and r["carrier"] == "'"$carrier"'" and r["esp_spi_out"] > 0 and (r["ah_spi_in"] is not None) == ("'"$carrier"'" == "ip")' >/dev/null ||
    { e2e_log "endpoint status does not describe the initiator: $("$E2E_AINCTL" --socket "$sock" --json status 2>&1 | tr '\n' ' ')"; return 1; }
  out0=$(_endpoint_json 'r["packets_out"]') || return 1
  in0=$(_endpoint_json 'r["packets_in"]') || return 1
  # _ant_up's first ping went through the ANT: its flow is listed already.
  flow0=$(_endpoint_json "${flow}[\"packets_out\"]") ||
    { e2e_log "no flow to $E2E_RESPONDER4 after the first ping: $("$E2E_AINCTL" --socket "$sock" status 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  _endpoint_json "r[\"packets_out\"] - $out0 >= 5 and r[\"packets_in\"] - $in0 >= 1 and r[\"bytes_out\"] > 0" >/dev/null ||
    { e2e_log "endpoint counters did not move by the pings (out $out0 -> $(_endpoint_json 'r["packets_out"]'), in $in0 -> $(_endpoint_json 'r["packets_in"]'))"; return 1; }
  _endpoint_json "(lambda f: f is not None and f[\"src\"] == \"$GEN_INNER4\" and f[\"packets_out\"] - $flow0 >= 5 and f[\"packets_in\"] >= 1)($flow)" >/dev/null ||
    { e2e_log "flow $GEN_INNER4 -> $E2E_RESPONDER4 not listed with its pings: $("$E2E_AINCTL" --socket "$sock" --json status 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_log "  ok   endpoint status: packets out $out0 -> $(_endpoint_json 'r["packets_out"]'), in $in0 -> $(_endpoint_json 'r["packets_in"]'); flow $GEN_INNER4 -> $E2E_RESPONDER4: $(_endpoint_json "$flow")"
  # The human-readable form names the endpoint and the flow.
  out0=$("$E2E_AINCTL" --socket "$sock" status 2>&1) || { e2e_log "ainctl status failed: $out0"; return 1; }
  echo "$out0" >&2
  if ! grep -q "^endpoint initiator (initiator" <<<"$out0" || ! grep -q "$E2E_RESPONDER4" <<<"$out0"; then
    e2e_log "ainctl status does not show the endpoint and its flow"; return 1
  fi
  # aind's commands are refused with the documented code.
  out0=$("$E2E_AINCTL" --socket "$sock" ants 2>&1) && { e2e_log "the endpoint answered aind's list_ants"; return 1; }
  grep -q "unknown_command" <<<"$out0" || { e2e_log "list_ants on the endpoint: $out0"; return 1; }
  e2e_log "  ok   ainctl status shows the endpoint; aind's commands get unknown_command"

  # A crash leaves the socket file; the next endpoint still serves it.
  kill -KILL "$E2E_ENDPOINT_PID"
  wait "$E2E_ENDPOINT_PID" 2>/dev/null
  [ -S "$sock" ] || { e2e_log "no socket file left by the SIGKILLed endpoint (the stale case is not exercised)"; return 1; }
  e2e_endpoint_start || { e2e_log "the endpoint did not restart over a stale socket file"; return 1; }
  e2e_wait_for 10 _endpoint_json 'r["kind"] == "endpoint" and r["uptime_s"] < 60' ||
    { e2e_log "the restarted endpoint does not serve its socket: $(tail -n 5 "$E2E_DIR"/log/endpoint-*.log | tr '\n' ' ')"; return 1; }
  e2e_log "  ok   a stale socket file does not stop the endpoint"
  e2e_stop "$E2E_ENDPOINT_PID" 10
  [ ! -e "$sock" ] || { e2e_log "socket $sock left after SIGTERM"; return 1; }
  e2e_log "  ok   the socket is removed when the endpoint exits"
}

test_endpoint_control_status() { _endpoint_control ip; }
# udp carrier (RFC 3948): ESP alone, so no AH SPIs are reported.
test_endpoint_control_status_udp() { _endpoint_control udp; }
