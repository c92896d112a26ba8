# shellcheck shell=bash
# ANTs through aind between real applications (issue 4, "How it is shown to
# work"). Every test needs aind (and skips, saying so, without it) except
# test_ant_configs_valid, which needs only ainctl.

# The generated configs are what aind and ainctl accept: the directory
# verifies, every PVT has both directions with swapped keys, SPIs are unique,
# sa.txt parses; for every carrier and outer family.
test_ant_configs_valid() {
  e2e_need_ainctl
  e2e_init
  local c o
  for c in ip udp; do
    for o in 4 6; do
      e2e_ant_gen "$c" "$o" 1 || return 1
      "$E2E_AINCTL" directory verify --authority "$GEN_AUTHORITY" "$E2E_DIR/conf/directory.toml" >/dev/null ||
        { e2e_log "$c/v$o: directory does not verify"; return 1; }
      "$E2E_PY" "$E2E_SA_TOOL" parse "$E2E_DIR/conf/sa.txt" >/dev/null || return 1
      if [ -x "$E2E_AIND" ]; then  # aind's own loader, when built (even before --version exists)
        local n
        for n in 1 2 3 4; do
          "$E2E_AIND" --config "$E2E_DIR/conf/ain$n/aind.toml" --check >"$E2E_DIR/log/check.log" 2>&1 ||
            { e2e_log "$c/v$o: aind --check refuses ain$n: $(tail -n 3 "$E2E_DIR/log/check.log")"; return 1; }
        done
      fi
      "$E2E_PY" - "$E2E_DIR/conf" "$c" <<'PY' || { e2e_log "$c/v$o: config check failed"; return 1; }
import re, sys, tomllib
d, carrier = sys.argv[1], sys.argv[2]
cfg = {n: tomllib.load(open(f"{d}/ain{n}/aind.toml", "rb")) for n in (1, 2, 3, 4)}
spis_in = []
for n, c in cfg.items():
    assert c["network"]["carrier"] == carrier
    for p in c["pvt"]:
        peer = cfg[p["peer"]]
        back = next(q for q in peer["pvt"] if q["peer"] == n)
        assert back["in"] == p["out"] and back["out"] == p["in"], (n, p["peer"])
        assert back["tvt_secret"] == p["tvt_secret"]
        spis_in += [p["in"]["esp_spi"], p["in"]["ah_spi"]]
    for cu in c.get("customer", []):
        spis_in += [cu["in"]["esp_spi"], cu["in"]["ah_spi"]]
assert len(spis_in) == len(set(spis_in)), "duplicate inbound SPI"
assert all(s >= 256 for s in spis_in)
assert [len(cfg[n]["pvt"]) for n in (1, 2, 3, 4)] == [2, 2, 2, 2]
assert cfg[3]["network"]["exit_pool"] and not cfg[1]["network"]["exit_pool"]
sa = open(f"{d}/sa.txt").read()
per_bundle = 2 if carrier == "ip" else 1
assert sa.count("\nsa ") == (4 * 2 + 2) * per_bundle, sa.count("\nsa ")
PY
    done
  done
  e2e_log "  ok   configs for ip/udp x v4/v6: directory verifies, PVT keys mirror, SPIs unique, sa.txt parses"
}

# _ant_apps CARRIER OUTER OPTION: the full application suite through an ANT.
_ant_apps() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  e2e_ant_network "$1" "$2" "$3" || return 1
  e2e_apps_start || return 1
  # The initiator has no other way to the responder.
  if ! e2e_nsx initiator ip route get 10.200.4.2 2>/dev/null | head -1 | grep -q 'dev ainc0'; then
    e2e_log "initiator reaches the responder outside the ANT"; return 1
  fi
  local f=0
  e2e_check_all_apps "$E2E_RESPONDER4" "$E2E_RESPONDER6" || f=$?
  e2e_log "ANT route at ain1: $(e2e_ant_route || echo '?')"
  e2e_ant_show
  e2e_ant_dump_sas
  return $f
}

test_ant_ip_option1() { _ant_apps ip 4 1; }
test_ant_ip_option2() { _ant_apps ip 4 2; }
test_ant_udp_option1() { _ant_apps udp 4 1; }
test_ant_udp_option2() { _ant_apps udp 4 2; }
# IPv6 between the AINs (and on the customer tunnel).
test_ant_ip_outer_v6() { _ant_apps ip 6 1; }
test_ant_udp_outer_v6() { _ant_apps udp 6 1; }
# The cells' other end-to-end AEAD ([ant] e2e_aead, docs/protocol.md "TVT
# data cell"): the same applications with ChaCha20-Poly1305 on every AIN.
test_ant_udp_chacha20() {
  export AINET_E2E_E2E_AEAD=chacha20-poly1305
  _ant_apps udp 4 1 || return 1
  local n
  for n in 1 2 3 4; do
    grep -qx 'e2e_aead = "chacha20-poly1305"' "$E2E_DIR/conf/ain$n/aind.toml" ||
      { e2e_log "ain$n: config does not ask for chacha20-poly1305"; return 1; }
  done
  e2e_log "  ok   every aind ran with e2e_aead = chacha20-poly1305"
}

# _ant_up CARRIER: topology + ANT network + servers, and a first ping so an
# ANT exists; prints nothing, leaves the route in ANT_ROUTE.
_ant_up() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  e2e_ant_network "${1:-ip}" 4 1 || return 1
  e2e_apps_start "${2:-0}" || return 1
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  ANT_ROUTE=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  e2e_log "ANT route: $ANT_ROUTE"
}

# Kill the middle AIN of the live ANT: ain1 and ain3 notice (their PVT to it
# goes down) within 10 s, and traffic resumes over the other middle AIN.
test_ant_kill_middle() {
  _ant_up ip || return 1
  local mid other t0 t1
  read -r _ mid _ <<<"$ANT_ROUTE"
  [ "$mid" = 2 ] && other=4 || other=2
  t0=$(date +%s%N)
  kill -KILL "${E2E_AIND_PIDS[$mid]}"
  local n
  for n in 1 3; do
    e2e_wait_for 10 e2e_ainctl_json "ain$n" pvts "not next(p for p in r['pvts'] if p['peer'] == $mid)['up']" ||
      { e2e_log "ain$n did not notice ain$mid is gone within 10 s"; return 1; }
  done
  t1=$(date +%s%N)
  e2e_log "  ok   ain1 and ain3 saw ain$mid's PVT down after $(((t1 - t0) / 1000000)) ms"
  e2e_wait_for 20 e2e_nsx initiator ping -n -c 1 -W 1 "$E2E_RESPONDER4" ||
    { e2e_log "traffic did not resume within 20 s"; return 1; }
  local r
  r=$(e2e_ant_route) || return 1
  [ "$r" = "1 $other 3" ] || { e2e_log "new route $r, expected 1 $other 3"; return 1; }
  e2e_log "  ok   traffic resumed over $r after $((($(date +%s%N) - t0) / 1000000)) ms"
  e2e_check_http "$E2E_RESPONDER4" 1m.bin
}

# Restart an AIN (SIGTERM: clean shutdown with DESTROY; then the same config
# again): its PVTs come back up at both neighbours and traffic flows.
test_ant_restart_ain() {
  _ant_up ip || return 1
  local mid
  read -r _ mid _ <<<"$ANT_ROUTE"
  e2e_stop "${E2E_AIND_PIDS[$mid]}" 10
  e2e_aind_start "$mid" || return 1
  e2e_pvts_up "$mid" 15 || { e2e_log "ain$mid: PVTs not up after restart"; return 1; }
  e2e_pvts_up 1 15 && e2e_pvts_up 3 15 || { e2e_log "neighbours did not see ain$mid back"; return 1; }
  e2e_wait_for 20 e2e_nsx initiator ping -n -c 1 -W 1 "$E2E_RESPONDER4" || { e2e_log "no traffic after restart"; return 1; }
  e2e_check_http "$E2E_RESPONDER4" 1m.bin
}

# 2 % loss (nftables numgen, both directions) on the first inter-AIN link of
# the live ANT: a 50 MB curl still completes, byte-identical.
test_ant_loss_50mb() {
  _ant_up ip 50 || return 1
  local mid
  read -r _ mid _ <<<"$ANT_ROUTE"
  e2e_nft_drop ain1 "ain$mid" 2 || return 1
  e2e_nft_drop "ain$mid" ain1 2 || return 1
  e2e_check_http "$E2E_RESPONDER4" big.bin http 300 || return 1
  e2e_log "  ok   loss rule dropped $(e2e_nft_drop_count ain1) + $(e2e_nft_drop_count "ain$mid") packets on ain1-ain$mid"
}

# An operator builds an ANT on a route of their choice (ainctl ant create
# --route) over the middle AIN the automatic ANT does not use; a bad route is
# refused with a reason; ainctl pvts shows when each peer was last heard.
test_ant_create_route() {
  _ant_up ip || return 1
  local mid other h out
  read -r _ mid _ <<<"$ANT_ROUTE"
  [ "$mid" = 2 ] && other=4 || other=2
  # Another inner source of the initiator's customer: a new ANT, not the live one.
  h=$(e2e_ainctl ain1 --json ant create --customer "$GEN_CUSTOMER" --src 10.99.250.1 --dst "$E2E_RESPONDER4" \
    --route "1,$other,3" | "$E2E_PY" -c 'import json,sys; print(json.load(sys.stdin)["ant"])') ||
    { e2e_log "ant create --route 1,$other,3 refused"; return 1; }
  e2e_wait_for 10 e2e_ainctl_json ain1 ants \
    "next(a for a in r['ants'] if a['handle'] == $h)['up'] and next(a for a in r['ants'] if a['handle'] == $h)['route'] == [1, $other, 3]" ||
    { e2e_log "ANT $h did not come up on 1 $other 3"; e2e_ainctl ain1 ants >&2; return 1; }
  e2e_ainctl_json "ain$other" ants "any(a['role'] == 'intermediate' and a['up'] for a in r['ants'])" ||
    { e2e_log "ain$other relays no ANT"; return 1; }
  e2e_log "  ok   ANT $h up on the chosen route 1 $other 3 (the automatic one runs on $ANT_ROUTE)"
  out=$(e2e_ainctl ain1 ant create --customer "$GEN_CUSTOMER" --src 10.99.250.2 --dst "$E2E_RESPONDER4" \
    --route "1,3" 2>&1) && { e2e_log "route 1,3 (no PVT 1-3) accepted"; return 1; }
  echo "$out" | grep -q "not in the directory" || { e2e_log "unclear refusal: $out"; return 1; }
  e2e_log "  ok   route 1,3 refused: $out"
  e2e_ainctl_json ain1 pvts "all(0 <= p['last_seen_ms'] < 5000 and p['bytes_in'] > 0 for p in r['pvts'])" ||
    { e2e_log "pvts: last_seen_ms/bytes_in not filled"; e2e_ainctl ain1 pvts >&2; return 1; }
  e2e_ainctl ain1 pvts | grep -q never && { e2e_log "ainctl pvts shows a live peer as never heard"; return 1; }
  e2e_log "  ok   ainctl pvts: every peer heard within 5 s"
}
