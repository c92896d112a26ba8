# shellcheck shell=bash
# IKEv2 customer tunnels (issue 9, docs/ike.md "Customer tunnels"): a stock
# strongSwan charon (Debian's strongswan-charon + swanctl, kernel-libipsec
# doing ESP over a TUN in userspace) on the initiator host connects to ain1 as
# customer 12 (gen_configs.py --ike-customer): PSK, inner address from ain1's
# [ike] pool_v4 by CP, UDP-encapsulated ESP on 4500 (ain1 claims a NAT so
# Debian 12's kernel-libipsec, which only does ESP-in-UDP, floats there).
# Then ping and curl reach the responder through a 3-hop ANT.
#
# charon needs an explicit plugin list (kernel-libipsec, kernel-netlink and
# kdf among them) and a private /run per instance (its vici socket and pid
# file), as in tests/interop/test_strongswan_ike.py. SKIPPED (said so) only
# when charon or one of those plugins is not installed.

E2E_CHARON=/usr/lib/ipsec/charon
E2E_CHARON_PLUGINS="random nonce openssl pem pkcs1 pkcs8 pubkey x509 kdf kernel-libipsec kernel-netlink socket-default vici"
E2E_CHARON_PID=""

_ike_need_charon() {
  local p missing=""
  for p in $E2E_CHARON_PLUGINS; do
    [ -e "/usr/lib/ipsec/plugins/libstrongswan-$p.so" ] || missing="$missing $p"
  done
  if [ ! -x "$E2E_CHARON" ] || ! command -v swanctl >/dev/null 2>&1 || [ -n "$missing" ]; then
    echo "SKIP: strongSwan charon/swanctl not installed (scripts/install-deps.sh: strongswan-charon strongswan-swanctl libcharon-extra-plugins)${missing:+; missing plugins:$missing}"
    exit 77
  fi
}

# _ike_swanctl ARGS...: swanctl against the initiator's charon (its private /run).
_ike_swanctl() {
  STRONGSWAN_CONF="$E2E_DIR/charon/strongswan.conf" timeout 30 nsenter -t "$E2E_CHARON_PID" -m -n swanctl "$@"
}

# _ike_charon_start PSK|ed25519: charon in the initiator's namespace with a
# private /run, its connection "ainet" to ain1 loaded (not started): with a
# PSK as customer GEN_IKE_ID, or with "ed25519" as customer GEN_IKE_ED_ID
# (raw Ed25519 public keys both ways, RFC 8420; keys from gen_configs.py).
_ike_charon_start() {
  local psk=$1 d="$E2E_DIR/charon" id=$GEN_IKE_CLIENT_ID lauth="auth = psk" rauth="auth = psk"
  mkdir -p "$d"
  if [ "$psk" = ed25519 ]; then
    id=$GEN_IKE_ED_CLIENT_ID
    mkdir -p "$d/private" "$d/pubkey"
    cp "$E2E_DIR/conf/initiator/ike-ed.key.pem" "$d/private/"
    cp "$E2E_DIR/conf/initiator/ain1.pub.pem" "$E2E_DIR/conf/initiator/ike-ed.pub.pem" "$d/pubkey/"
    # charon finds its private key through the public key named here.
    lauth="auth = pubkey
            pubkeys = ike-ed.pub.pem"
    rauth="auth = pubkey
             pubkeys = ain1.pub.pem"
  fi
  cat >"$d/strongswan.conf" <<EOF
charon {
  load = $E2E_CHARON_PLUGINS
  retransmit_tries = 2
  retransmit_timeout = 1
  filelog {
    log {
      path = $d/charon.log
      default = 1
      ike = 2
      flush_line = yes
    }
  }
  plugins { vici { socket = unix:///run/charon.vici } }
}
swanctl { load = pem pkcs1 pkcs8 openssl pubkey x509 }
EOF
  cat >"$d/swanctl.conf" <<EOF
connections {
  ainet {
    remote_addrs = 10.200.0.1
    local_addrs = 10.200.1.1
    version = 2
    proposals = aes256gcm16-prfsha256-x25519
    encap = yes
    vips = 0.0.0.0
    local { $lauth
            id = $id }
    remote { $rauth
             id = $GEN_IKE_GATEWAY_ID }
    children {
      net { remote_ts = 10.200.4.0/24
            esp_proposals = aes256gcm16
            start_action = none }
    }
  }
}
secrets {
  ike-1 { id-1 = $id
          id-2 = $GEN_IKE_GATEWAY_ID
          secret = "$psk" }
}
EOF
  e2e_bg initiator "charon-$(date +%s%N)" env STRONGSWAN_CONF="$d/strongswan.conf" \
    unshare -m sh -c "mount -t tmpfs tmpfs /run && exec $E2E_CHARON"
  E2E_CHARON_PID=$E2E_LAST_PID
  e2e_wait_for 10 _ike_swanctl --stats || { e2e_log "charon did not start: $(tail -n 5 "$d/charon.log" 2>&1)"; return 1; }
  _ike_swanctl --load-all --file "$d/swanctl.conf" >&2 || { e2e_log "swanctl --load-all failed"; return 1; }
  # The AIN carries datagrams of at most cell_size - 35 octets (1365 here,
  # like ain-endpoint's tun_mtu); kernel-libipsec's TUN says 1400, so TCP
  # would send segments the entrance must drop.
  e2e_wait_for 10 e2e_nsx initiator ip link show dev ipsec0 || { e2e_log "charon made no TUN ipsec0"; return 1; }
  e2e_nsx initiator ip link set dev ipsec0 mtu 1365
}

# _ike_up [CARRIER]: topology, AINs (udp carrier unless CARRIER, IKE customer
# at ain1), servers, charon.
_ike_up() {
  e2e_need_aind
  _ike_need_charon
  e2e_init
  e2e_topology || return 1
  e2e_routes_ant || return 1
  e2e_ant_gen "${1:-udp}" 4 1 --ike-customer || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1
  e2e_apps_start 0 || return 1
}

# charon (initiator of IKE, PSK) gets a virtual IP from ain1's pool and its
# ESP-in-UDP child SA becomes customer 12's tunnel: ping and curl (1 MB,
# compared byte for byte) reach the responder through a 3-hop ANT, and ain1
# counts the customer's packets.
test_ike_strongswan_customer() {
  _ike_up || return 1
  _ike_charon_start "$GEN_IKE_PSK" || return 1
  local out vip t0
  t0=$(date +%s%N)
  out=$(_ike_swanctl --initiate --child net --timeout 15 2>&1) ||
    { e2e_log "swanctl --initiate failed: $(tail -n 20 <<<"$out")"; tail -n 30 "$E2E_DIR"/log/aind-ain1-*.log >&2; return 1; }
  e2e_log "  swanctl --initiate (IKE_SA_INIT + IKE_AUTH with ain1, child installed) took $((($(date +%s%N) - t0) / 1000000)) ms"

  out=$(_ike_swanctl --list-sas 2>&1)
  echo "$out" >&2
  vip=$(grep -oE 'remote .*|local .*' <<<"$out" | grep -oE '10\.98\.0\.[0-9]+' | head -1)
  [ -n "$vip" ] || { e2e_log "charon has no virtual IP from 10.98.0.0/24"; return 1; }
  if ! grep -q "ESTABLISHED" <<<"$out" || ! grep -q "INSTALLED" <<<"$out"; then
    e2e_log "IKE SA or child SA not up at charon"; return 1
  fi
  e2e_log "  ok   charon's IKE SA and child SA are up, virtual IP $vip (CP from ain1's pool)"
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  [ "$(wc -w <<<"$route")" = 3 ] || { e2e_log "ANT route '$route' is not 3 hops"; return 1; }
  e2e_ainctl_json ain1 customers "next(c for c in r['customers'] if c['id'] == $GEN_IKE_ID)['packets_in'] >= 5" >/dev/null ||
    { e2e_log "ain1 did not count customer $GEN_IKE_ID's packets: $(e2e_ainctl ain1 customers 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_log "  ok   the IKE customer's traffic went through ANT $route; ain1: $(e2e_ainctl_json ain1 customers "next(c for c in r['customers'] if c['id'] == $GEN_IKE_ID)")"

  # ainctl ike: the IKE SA as ain1 sees it (state, CP address, child SA).
  e2e_ainctl ain1 ike >&2
  _ike_json "len(r['ike_sas']) == 1 and (lambda a: a['state'] == 'established' and a['role'] == 'responder' and a['peer'] == 'ike-client' and a['customer'] == $GEN_IKE_ID and a['virtual_ip'] == '$vip' and len(a['children']) == 1 and a['children'][0]['udp_encap'] and a['rekey_in_s'] > 0 and a['expire_in_s'] > a['rekey_in_s'])(r['ike_sas'][0])" ||
    { e2e_log "ainctl ike does not show the established IKE SA with $vip"; return 1; }
  e2e_log "  ok   ainctl ike: established, responder, customer $GEN_IKE_ID, inner $vip, one ESP-in-UDP child"
  # ainctl ike rekey --child: a CREATE_CHILD_SA from ain1; traffic goes on.
  local spi handle
  spi=$(_ike_json "int(r['ike_sas'][0]['children'][0]['spi_in'], 16)") || return 1
  e2e_ainctl ain1 ike rekey --child "$spi" >&2 || { e2e_log "ainctl ike rekey --child $spi failed"; return 1; }
  e2e_wait_for 10 _ike_json "r['counters']['child_rekeys'] >= 1 and len(r['ike_sas'][0]['children']) == 1 and r['ike_sas'][0]['children'][0]['rekeys'] == 1 and int(r['ike_sas'][0]['children'][0]['spi_in'], 16) != $spi" ||
    { e2e_log "the child SA was not rekeyed: $(e2e_ainctl ain1 ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_log "  ok   child SA rekeyed by ainctl (inbound SPI $(printf 0x%08x "$spi") replaced); ping still answered"
  # ainctl ike rekey: the IKE SA itself (§2.18); the child moves over.
  handle=$(_ike_json "r['ike_sas'][0]['handle']") || return 1
  e2e_ainctl ain1 ike rekey "$handle" >&2 || { e2e_log "ainctl ike rekey $handle failed"; return 1; }
  e2e_wait_for 10 _ike_json "r['counters']['ike_rekeys'] >= 1 and len(r['ike_sas']) == 1 and r['ike_sas'][0]['handle'] != $handle and r['ike_sas'][0]['rekeys'] == 1 and len(r['ike_sas'][0]['children']) == 1" ||
    { e2e_log "the IKE SA was not rekeyed: $(e2e_ainctl ain1 ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_log "  ok   IKE SA rekeyed by ainctl; ping still answered"
  # ainctl ike terminate: Delete to charon, nothing left on either side.
  handle=$(_ike_json "r['ike_sas'][0]['handle']") || return 1
  e2e_ainctl ain1 ike terminate "$handle" >&2 || { e2e_log "ainctl ike terminate $handle failed"; return 1; }
  e2e_wait_for 10 _ike_json "r['ike_sas'] == [] and r['counters']['state_half_open'] == 0 and r['counters']['state_children'] == 0 and r['counters']['state_leases'] == 0" ||
    { e2e_log "state left at ain1 after terminate: $(e2e_ainctl ain1 --json ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_wait_for 10 _ike_charon_has_no_sa || { e2e_log "charon still lists an SA: $(_ike_swanctl --list-sas 2>&1 | tr '\n' ' ')"; return 1; }
  if e2e_nsx initiator ping -n -c 1 -W 2 "$E2E_RESPONDER4" >/dev/null 2>&1; then
    e2e_log "the responder still answers after the IKE SA was deleted"; return 1
  fi
  e2e_log "  ok   ainctl ike terminate: charon got the Delete, no state left at ain1, no traffic"
}

# _ike_json PYTHON-EXPR: EXPR on ain1's `ainctl --json ike` result `r`.
_ike_json() { e2e_ainctl_json ain1 ike "$1"; }
_ike_charon_has_no_sa() { ! _ike_swanctl --list-sas 2>/dev/null | grep -q "ainet:"; }

# A wrong PSK: charon's IKE_AUTH is answered with AUTHENTICATION_FAILED
# (RFC 7296 §2.21.2), ain1 counts it and keeps no IKE SA, half-open SA,
# child SA or address lease; the customer's tunnel stays unkeyed.
test_ike_strongswan_wrong_psk() {
  _ike_up || return 1
  _ike_charon_start "not-the-psk-$GEN_IKE_PSK" || return 1
  local out
  if out=$(_ike_swanctl --initiate --child net --timeout 15 2>&1); then
    e2e_log "charon connected with a wrong PSK: $out"; return 1
  fi
  grep -q "AUTHENTICATION_FAILED" "$E2E_DIR/charon/charon.log" ||
    { e2e_log "charon did not receive AUTHENTICATION_FAILED: $(tail -n 20 "$E2E_DIR/charon/charon.log")"; return 1; }
  e2e_ainctl ain1 ike >&2
  _ike_json "r['counters']['auth_failed_sent'] >= 1 and r['ike_sas'] == [] and r['counters']['state_ike_sas'] == 0 and r['counters']['state_half_open'] == 0 and r['counters']['state_children'] == 0 and r['counters']['state_leases'] == 0" ||
    { e2e_log "ain1 after the wrong PSK: $(e2e_ainctl ain1 --json ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_log "  ok   wrong PSK: AUTHENTICATION_FAILED to charon, no IKE/half-open/child state or lease left at ain1"
  if e2e_nsx initiator ping -n -c 1 -W 2 "$E2E_RESPONDER4" >/dev/null 2>&1; then
    e2e_log "the responder answers without a tunnel"; return 1
  fi
  e2e_ainctl_json ain1 customers "next(c for c in r['customers'] if c['id'] == $GEN_IKE_ID)['packets_in'] == 0" >/dev/null ||
    { e2e_log "ain1 counted packets of the unauthenticated customer"; return 1; }
  e2e_log "  ok   no traffic from the refused client"
}

# Rekeying under traffic (issue 9): an 8 s iperf3 TCP transfer through the
# IKE customer's tunnel and a 3-hop ANT while ain1 rekeys the child SA
# (ainctl), charon rekeys it (swanctl --rekey) and ain1 rekeys the IKE SA.
# The transfer finishes without an error and the counters show the rekeys.
test_ike_strongswan_rekey_under_iperf3() {
  _ike_up || return 1
  _ike_charon_start "$GEN_IKE_PSK" || return 1
  local out spi handle json="$E2E_DIR/iperf3.json"
  out=$(_ike_swanctl --initiate --child net --timeout 15 2>&1) ||
    { e2e_log "swanctl --initiate failed: $(tail -n 20 <<<"$out")"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_nsx initiator timeout 40 iperf3 -c "$E2E_RESPONDER4" -p 5201 -t 8 -J --connect-timeout 5000 >"$json" 2>&1 &
  local iperf=$!
  sleep 2
  spi=$(_ike_json "int(r['ike_sas'][0]['children'][0]['spi_in'], 16)") || return 1
  e2e_ainctl ain1 ike rekey --child "$spi" >&2 || { e2e_log "ainctl ike rekey --child failed"; return 1; }
  sleep 2
  _ike_swanctl --rekey --child net >&2 || { e2e_log "swanctl --rekey --child failed"; return 1; }
  sleep 1
  handle=$(_ike_json "r['ike_sas'][0]['handle']") || return 1
  e2e_ainctl ain1 ike rekey "$handle" >&2 || { e2e_log "ainctl ike rekey $handle failed"; return 1; }
  wait "$iperf" || { e2e_log "iperf3 failed during the rekeys: $(head -c 600 "$json")"; return 1; }
  "$E2E_PY" - "$json" <<'EOF' >&2 || { e2e_log "iperf3 reported an error"; return 1; }
import json, sys
d = json.load(open(sys.argv[1]))
if "error" in d: sys.exit(f"iperf3: {d['error']}")
s = d["end"]["sum_received"]
print(f"iperf3 during rekeys: {s['bytes']} bytes in {s['seconds']:.1f} s, {s['bits_per_second'] / 1e6:.1f} Mbit/s, "
      f"{d['end']['sum_sent'].get('retransmits', 0)} retransmits")
sys.exit(0 if s["bytes"] > 0 and s["seconds"] >= 7 else 1)
EOF
  e2e_ainctl ain1 ike >&2
  _ike_json "r['counters']['child_rekeys'] >= 2 and r['counters']['ike_rekeys'] >= 1 and len(r['ike_sas']) == 1 and r['ike_sas'][0]['state'] == 'established' and len(r['ike_sas'][0]['children']) == 1 and r['ike_sas'][0]['children'][0]['rekeys'] >= 2" ||
    { e2e_log "the counters do not show two child rekeys and one IKE rekey: $(e2e_ainctl ain1 --json ike 2>&1 | tr '\n' ' ')"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_log "  ok   iperf3 ran through two child SA rekeys (ain1, charon) and an IKE SA rekey: $(_ike_json "{k: r['counters'][k] for k in ('child_rekeys', 'ike_rekeys', 'rekey_collisions')}")"
}

# Ed25519 raw public keys both ways (RFC 7427 auth method 14, RFC 8420):
# customer 13's key in ain1's [customer.ike] public_key, ain1 signs with its
# node identity key; ping through the ANT, ain1 lists the IKE SA as customer 13's.
test_ike_strongswan_ed25519() {
  _ike_up || return 1
  _ike_charon_start ed25519 || return 1
  local out
  out=$(_ike_swanctl --initiate --child net --timeout 15 2>&1) ||
    { e2e_log "swanctl --initiate (Ed25519) failed: $(tail -n 20 <<<"$out")"; tail -n 30 "$E2E_DIR"/log/aind-ain1-*.log >&2; return 1; }
  grep -q "authentication of '$GEN_IKE_GATEWAY_ID' with ED25519 successful" "$E2E_DIR/charon/charon.log" ||
    { e2e_log "charon did not verify ain1's Ed25519 signature: $(grep -i authentication "$E2E_DIR/charon/charon.log" | tail -n 5)"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_ainctl ain1 ike >&2
  _ike_json "len(r['ike_sas']) == 1 and r['ike_sas'][0]['customer'] == $GEN_IKE_ED_ID and r['ike_sas'][0]['state'] == 'established'" ||
    { e2e_log "ain1 does not list customer $GEN_IKE_ED_ID's IKE SA"; return 1; }
  e2e_ainctl_json ain1 customers "next(c for c in r['customers'] if c['id'] == $GEN_IKE_ED_ID)['packets_in'] >= 5" >/dev/null ||
    { e2e_log "ain1 did not count customer $GEN_IKE_ED_ID's packets"; return 1; }
  e2e_log "  ok   Ed25519 both ways: charon verified ain1's signature, ain1 customer $GEN_IKE_ED_ID's; ping through the ANT"
}

# The ip carrier (docs/ike.md "Customer tunnels"): the AINs' PVTs are AH+ESP
# on raw sockets, and ain1's IKE node binds UDP 4500 itself for charon's
# IKE after the float and its ESP in UDP (RFC 3948). Ping and a 1 MB curl
# (byte-identical) reach the responder through a 3-hop ANT.
test_ike_strongswan_ip_carrier() {
  _ike_up ip || return 1
  grep -q '^carrier = "ip"' "$E2E_DIR/conf/ain1/aind.toml" || { e2e_log "ain1 is not on the ip carrier"; return 1; }
  e2e_nsx ain1 ss -lunp | grep ':4500 ' | grep -q aind ||
    { e2e_log "ain1's aind has no UDP socket on 4500: $(e2e_nsx ain1 ss -lunp | tr '\n' ' ')"; return 1; }
  _ike_charon_start "$GEN_IKE_PSK" || return 1
  local out
  out=$(_ike_swanctl --initiate --child net --timeout 15 2>&1) ||
    { e2e_log "swanctl --initiate failed: $(tail -n 20 <<<"$out")"; tail -n 30 "$E2E_DIR"/log/aind-ain1-*.log >&2; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 5 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  [ "$(wc -w <<<"$route")" = 3 ] || { e2e_log "ANT route '$route' is not 3 hops"; return 1; }
  e2e_ainctl ain1 ike >&2
  _ike_json "len(r['ike_sas']) == 1 and r['ike_sas'][0]['state'] == 'established' and r['ike_sas'][0]['children'][0]['udp_encap']" ||
    { e2e_log "ain1 does not list the established IKE SA"; return 1; }
  e2e_ainctl_json ain1 customers "next(c for c in r['customers'] if c['id'] == $GEN_IKE_ID)['packets_in'] >= 5" >/dev/null ||
    { e2e_log "ain1 did not count customer $GEN_IKE_ID's packets"; return 1; }
  e2e_log "  ok   ip carrier: charon's ESP in UDP on ain1's IKE port 4500, ping and curl through ANT $route"
}
