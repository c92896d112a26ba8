# shellcheck shell=bash
# Exit to the ordinary Internet through the kernel's NAT (issue 4 "Exit to
# the ordinary Internet"): scripts/exit-nat.sh at the exit masquerades the
# exit pool out of the Internet-side interface. The responder stands for an
# Internet host: it has no route to the exit pool, so only NAT brings replies
# back, through conntrack to the pool address and into the right ANT.

test_exit_nat_masquerade() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  e2e_ant_network ip 4 1 || return 1
  e2e_apps_start || return 1
  e2e_nsx responder ip route del default
  e2e_nsx responder ip -6 route del default
  if e2e_nsx responder ip route get 100.64.3.9 >/dev/null 2>&1; then
    e2e_log "the responder still routes the exit pool"; return 1
  fi
  # Without NAT the requests leave the exit but no reply can come back.
  if e2e_nsx initiator ping -n -c 2 -i 0.3 -W 1 "$E2E_RESPONDER4" >/dev/null 2>&1; then
    e2e_log "ping answered without NAT: the test proves nothing"; return 1
  fi
  e2e_log "  ok   without NAT no reply comes back"
  local nat="$E2E_ROOT/scripts/exit-nat.sh"
  # From now on, count at the responder what source addresses arrive.
  e2e_nsx responder nft -f - <<'NFT' || return 1
table inet ainet_e2e_seen {
  chain input {
    type filter hook input priority 0; policy accept;
    ip saddr 100.64.3.0/24 counter
    ip6 saddr fd00:64:3::/96 counter
    ip saddr 10.200.4.1 counter
  }
}
NFT
  e2e_nsx ain3 bash "$nat" up --out responder --tun ain0 --pool 100.64.3.0/24 --pool fd00:64:3::/96 >&2 ||
    { e2e_log "exit-nat.sh up failed"; return 1; }
  local f=0
  e2e_check_ping "$E2E_RESPONDER4" 3 || f=1
  e2e_check_ping "$E2E_RESPONDER6" 3 || f=1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || f=1
  e2e_check_http "$E2E_RESPONDER6" index.html https || f=1
  e2e_check_dns "$E2E_RESPONDER4" || f=1
  [ $f -eq 0 ] || return 1
  # Both masquerade rules carried traffic; the responder saw the exit's own
  # link address, never a pool address.
  local counts
  counts=$(e2e_nsx ain3 nft list table inet ainet_exit | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' ')
  read -r c4 c6 <<<"$counts"
  [ "${c4:-0}" -gt 0 ] && [ "${c6:-0}" -gt 0 ] || { e2e_log "masquerade counters: '$counts'"; return 1; }
  e2e_log "  ok   masquerade rules matched $c4 (IPv4) and $c6 (IPv6) packets"
  local seen
  seen=$(e2e_nsx responder nft list table inet ainet_e2e_seen | grep -o 'packets [0-9]*' | awk '{print $2}' | tr '\n' ' ')
  read -r pool4 pool6 exit4 <<<"$seen"
  [ "${pool4:-1}" -eq 0 ] && [ "${pool6:-1}" -eq 0 ] && [ "${exit4:-0}" -gt 0 ] ||
    { e2e_log "responder saw pool sources $pool4/$pool6, exit address $exit4 packets"; return 1; }
  e2e_log "  ok   the responder saw only the exit's address ($exit4 IPv4 packets), no pool address"
  e2e_nsx ain3 bash "$nat" down --tun ain0 --pool 100.64.3.0/24 --pool fd00:64:3::/96 >&2 || return 1
  e2e_nsx ain3 nft list table inet ainet_exit >/dev/null 2>&1 && { e2e_log "exit-nat.sh down left its table"; return 1; }
  if e2e_nsx initiator ping -n -c 2 -i 0.3 -W 1 "$E2E_RESPONDER4" >/dev/null 2>&1; then
    e2e_log "ping answered after exit-nat.sh down"; return 1
  fi
  e2e_log "  ok   exit-nat.sh down removed the NAT; replies stop again"
  # Bad input: one clear message, nothing changed.
  local out
  out=$(e2e_nsx ain3 bash "$nat" up --out nosuchif --pool 100.64.3.0/24 2>&1) && { e2e_log "bad --out accepted"; return 1; }
  echo "$out" | grep -q "no interface 'nosuchif'" || { e2e_log "unclear error: $out"; return 1; }
  out=$(e2e_nsx ain3 bash "$nat" up --out responder --pool 100.64.3.0 2>&1) && { e2e_log "bad --pool accepted"; return 1; }
  echo "$out" | grep -q "not an IPv4 or IPv6 prefix" || { e2e_log "unclear error: $out"; return 1; }
  e2e_log "  ok   bad arguments refused: $out"
}
