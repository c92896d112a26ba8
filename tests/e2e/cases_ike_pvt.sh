# shellcheck shell=bash
# PVTs keyed and rekeyed by IKEv2 (issue 9 "PVT negotiation", docs/ike.md
# "PVTs"): the 4-AIN e2e network (udp carrier) with every [[pvt]] set to
# keying = "ike". The AINs authenticate with their node identity keys from
# the directory (RFC 8420), the lower node id initiates. ping and curl reach
# the responder through a 3-hop ANT; `ainctl ike rekey` of a PVT's IKE SA
# and child SA under an iperf3 transfer loses no connection, and the
# counters and `ainctl pvts` show the rekeys.

# _ike_pvt_json N PYTHON-EXPR: EXPR on ainN's `ainctl --json ike` result `r`.
_ike_pvt_json() { e2e_ainctl_json "ain$1" ike "$2"; }

test_ike_pvts_ant_and_rekey_under_iperf3() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  e2e_routes_ant || return 1
  e2e_ant_gen udp 4 1 --ike-pvts || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1  # waits for every PVT up: IKE brought them up
  e2e_endpoint_start initiator || return 1
  e2e_apps_start || return 1
  local n
  for n in 1 2 3 4; do
    e2e_ainctl_json "ain$n" pvts "all(p['keying'] == 'ike' and p['generation'] >= 1 and p['up'] for p in r['pvts']) and len(r['pvts']) == 2" >/dev/null ||
      { e2e_log "ain$n: PVTs not up by IKE: $(e2e_ainctl "ain$n" pvts 2>&1 | tr '\n' ' ')"; return 1; }
  done
  # The lower node id initiates: ain1 both its IKE SAs; ain3 answers ain2
  # and initiates to ain4.
  _ike_pvt_json 1 "len(r['ike_sas']) == 2 and all(a['kind'] == 'pvt' and a['role'] == 'initiator' and a['state'] == 'established' for a in r['ike_sas']) and sorted(a['pvt_peer'] for a in r['ike_sas']) == [2, 4]" ||
    { e2e_log "ain1's ainctl ike does not list its two PVT IKE SAs: $(e2e_ainctl ain1 ike 2>&1 | tr '\n' ' ')"; return 1; }
  _ike_pvt_json 3 "len(r['ike_sas']) == 2 and all(a['kind'] == 'pvt' and a['role'] == ('responder' if a['pvt_peer'] == 2 else 'initiator') for a in r['ike_sas'])" ||
    { e2e_log "ain3's ainctl ike: $(e2e_ainctl ain3 ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_ainctl ain1 ike >&2
  e2e_ainctl ain1 pvts >&2
  e2e_log "  ok   every PVT up by IKEv2 (Ed25519 node keys); the lower node id initiated each"

  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route first h spi json="$E2E_DIR/iperf3.json"
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  [ "$(wc -w <<<"$route")" = 3 ] || { e2e_log "ANT route '$route' is not 3 hops"; return 1; }
  first=$(awk '{print $2}' <<<"$route")
  e2e_log "  ok   ping and curl through ANT $route over IKE PVTs"

  # iperf3 through the ANT while ain1 rekeys the child SA, then the IKE SA,
  # of its PVT to the ANT's second hop.
  e2e_nsx initiator timeout 40 iperf3 -c "$E2E_RESPONDER4" -p 5201 -t 8 -J --connect-timeout 5000 >"$json" 2>&1 &
  local iperf=$!
  sleep 2
  spi=$(_ike_pvt_json 1 "int(next(a for a in r['ike_sas'] if a['pvt_peer'] == $first)['children'][0]['spi_in'], 16)") || return 1
  e2e_ainctl ain1 ike rekey --child "$spi" >&2 || { e2e_log "ainctl ike rekey --child $spi failed"; return 1; }
  sleep 2
  h=$(_ike_pvt_json 1 "next(a for a in r['ike_sas'] if a['pvt_peer'] == $first)['handle']") || return 1
  e2e_ainctl ain1 ike rekey "$h" >&2 || { e2e_log "ainctl ike rekey $h failed"; return 1; }
  wait "$iperf" || { e2e_log "iperf3 failed during the PVT rekeys: $(head -c 600 "$json")"; return 1; }
  "$E2E_PY" - "$json" <<'PY' >&2 || { e2e_log "iperf3 reported an error"; return 1; }
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d: sys.exit(f"iperf3: {d['error']}")
s = d["end"]["sum_received"]
print(f"iperf3 during PVT rekeys: {s['bytes']} bytes in {s['seconds']:.1f} s, {s['bits_per_second'] / 1e6:.1f} Mbit/s, "
      f"{d['end']['sum_sent'].get('retransmits', 0)} retransmits")
sys.exit(0 if s["bytes"] > 0 and s["seconds"] >= 7 else 1)
PY
  e2e_ainctl ain1 ike >&2
  e2e_ainctl ain1 pvts >&2
  _ike_pvt_json 1 "r['counters']['child_rekeys'] >= 1 and r['counters']['ike_rekeys'] >= 1 and (lambda a: a['rekeys'] == 1 and a['state'] == 'established' and len(a['children']) == 1 and a['children'][0]['rekeys'] >= 1)(next(a for a in r['ike_sas'] if a['pvt_peer'] == $first))" ||
    { e2e_log "the counters do not show the PVT rekeys: $(e2e_ainctl ain1 --json ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_ainctl_json ain1 pvts "(lambda p: p['generation'] >= 2 and p['generations_live'] == 1 and p['up'])(next(p for p in r['pvts'] if p['peer'] == $first))" >/dev/null ||
    { e2e_log "ain1's PVT to ain$first is not at generation 2: $(e2e_ainctl ain1 pvts 2>&1 | tr '\n' ' ')"; return 1; }
  # The same ANT carried it all: no ANT was rebuilt, no PVT went down.
  [ "$(e2e_ant_route)" = "$route" ] || { e2e_log "the ANT changed during the rekeys"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_log "  ok   iperf3 ran through a child SA rekey and an IKE SA rekey of PVT ain1-ain$first: $(_ike_pvt_json 1 "{k: r['counters'][k] for k in ('child_rekeys', 'ike_rekeys', 'rekey_collisions')}")"
}
