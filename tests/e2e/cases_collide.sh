# shellcheck shell=bash
# Exit to the ordinary Internet with colliding inner sources (issue 4 "Exit
# to the ordinary Internet": local delivery through the exit's TUN, the
# kernel's NAT carries the datagram on, replies return into the right ANT;
# two ANTs whose inner source addresses collide must not mix). The engine
# gives every locally delivered ANT its own exit-pool source address
# (src/core/exit_pool.h, docs/protocol.md "Exit delivery"); the unit test
# EngineSetup.CollidingInnerSourcesNeverMix covers it in memory, this one with
# real applications, real aind/ain-endpoint processes and the kernel's NAT.
#
# Harness: tests/e2e/collide.sh (initiator2, a second customer of ain1 with
# the initiator's inner addresses; see there why ain1).

# shellcheck source=tests/e2e/collide.sh
source "$(dirname "${BASH_SOURCE[0]}")/collide.sh"

# _collide_conntrack PROTO SPORT DPORT: at the exit ain3, the kernel's NAT
# entries of flows with that original source/destination port, one line
# each: "<original source> <reply destination port>" (the pool address, and
# the port masquerade gave the flow on the Internet side). For PROTO icmp or
# icmpv6, SPORT is the echo identifier (DPORT is ignored) and the second
# column the identifier masquerade gave the flow.
_collide_conntrack() {
  e2e_nsx ain3 cat /proc/net/nf_conntrack 2>/dev/null | awk -v p="$1" -v sp="$2" -v dp="$3" '
    $3 == p {
      src = ""; osp = ""; odp = ""; rdp = ""; ns = 0; nd = 0
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        if (kv[1] == "src" && src == "") src = kv[2]
        if (kv[1] == "sport" && ++ns == 1) osp = kv[2]
        if (kv[1] == "dport") { if (++nd == 1) odp = kv[2]; else if (nd == 2) rdp = kv[2] }
        if (kv[1] == "id") { if (++nd == 1) { osp = kv[2]; odp = dp } else if (nd == 2) rdp = kv[2] }
      }
      if (osp == sp && odp == dp) print src, rdp
    }' | "$E2E_PY" -c '
import ipaddress, sys  # /proc/net/nf_conntrack writes IPv6 in full (%pI6)
for line in sys.stdin:
    src, port = line.split()
    print(ipaddress.ip_address(src).compressed, port)' | sort
}

# _collide_nat_apart PROTO SPORT DPORT POOLS: among the conntrack entries of
# that flow at ain3, exactly one from each of the two POOLS addresses (one a
# line), with two different masquerade ports.
_collide_nat_apart() {
  local ct want got ports what="$1 :$2 -> :$3"
  case $1 in icmp*) what="$1 echo id $2" ;; esac
  ct=$(_collide_conntrack "$1" "$2" "$3" | awk 'NR == FNR { p[$1] = 1; next } ($1 in p)' <(echo "$4") -)
  want=$(sort <<<"$4" | tr '\n' ' ')
  got=$(awk '{print $1}' <<<"$ct" | sort | tr '\n' ' ')
  ports=$(awk '{print $2}' <<<"$ct" | sort -u | grep -c .)
  if [ "$got" = "$want" ] && [ "$ports" -eq 2 ]; then
    e2e_log "  ok   ain3 conntrack $what: $(tr '\n' ';' <<<"$ct") (pool source, NAT port/id)"
  else
    e2e_log "  FAIL ain3 conntrack $what: '$(tr '\n' ';' <<<"$ct")', want one entry from each of $want"
    return 1
  fi
}

# Two initiator hosts, customers 10 and 11 of ain1, carry the SAME option-1
# inner addresses (IPv4 and IPv6) and talk to the responder at the same time
# through ANTs that end at ain3, which delivers locally into its TUN; exit-
# nat.sh masquerades the pool out towards the responder, which has no route
# to the pool. Shown with real applications, each pair started at once:
#   - ping v4 and v6 with the same ICMP identifier and sequence numbers but
#     different payload patterns: all answered, no reply with the other's bytes;
#   - UDP from the same inner source and the same source port 40000 to the
#     same server port: each gets all its own answers and none of the other's;
#   - HTTP over TCP from the same local port (41000 over IPv4, 41001 over IPv6)
#     to the same server port, different files: each byte-identical to its own.
# So inside the two hosts the flows are identical 5-tuples; only the exit's
# pool address tells them apart. Then: ain1 lists two up entrance ANTs per
# family with the same inner pair; ain3 two up exit ANTs per family with the
# same inner pair; the datagrams leaving ain3's TUN carry exactly two pool
# addresses per family, one per host (learned by letting each host send
# alone first); the kernel's NAT at ain3 holds two entries for the identical
# TCP and UDP flows, from the two pool addresses, masqueraded to different
# ports (the responder saw both UDP clients as the exit's address with
# different ports).
#
# Why it fails if replies go into the wrong ANT: a reply for initiator2 put
# into the initiator's ANT arrives at the initiator addressed to the same
# inner address and port (the flows are identical), so the UDP client there
# receives an answer with the other's name and nonce (counted foreign -> fail)
# while initiator2 misses its answers (fail); ping sees the other's payload
# pattern ("wrong data byte") or loses replies; TCP segments of the other
# connection carry sequence numbers of another stream, so the downloads break
# or differ from their files (cmp). An exit that did not separate the ANTs at
# all (no pool address, one key per inner pair) refuses the second ANT's pair
# (Errc::exists) and initiator2 gets nothing; one pool address for both makes
# the kernel's NAT see one flow and the two-addresses check fails. The test
# demonstrates the first case at the end: an nftables rule at ain3 rewrites
# replies for initiator2's pool address to the initiator's (exactly what an
# exit mixing the ANTs would do), and the same UDP check must fail on both
# sides (initiator gets foreign answers, initiator2 misses its own); without
# the rule it passes again.
test_collide_exit_nat_same_inner_source() {
  e2e_need_aind
  e2e_need_endpoint "two real customer endpoints"
  e2e_init
  e2e_topology || return 1
  collide_network ip || return 1
  local f=0 node addrs
  for node in initiator initiator2; do
    # (the output first: grep -q under pipefail would fail on ip's SIGPIPE)
    addrs=$(e2e_nsx "$node" ip -o addr show dev ainc0)
    if ! grep -q " $GEN_INNER4/32 " <<<"$addrs" || ! grep -q " $GEN_INNER6/128 " <<<"$addrs"; then
      e2e_log "$node does not carry the inner addresses $GEN_INNER4 $GEN_INNER6"; return 1
    fi
  done
  e2e_log "  ok   initiator and initiator2 both carry the inner sources $GEN_INNER4 and $GEN_INNER6"

  # Servers in the responder; two different files.
  mkdir -p "$E2E_DIR/www"
  e2e_mkfile "$E2E_DIR/www/a.bin" 2
  e2e_mkfile "$E2E_DIR/www/b.bin" 2
  cmp -s "$E2E_DIR/www/a.bin" "$E2E_DIR/www/b.bin" && { e2e_log "a.bin and b.bin are equal"; return 1; }
  e2e_http_server responder 8080 "$E2E_DIR/www" || { e2e_log "http server did not start"; return 1; }
  collide_udp_server responder 7777 || { e2e_log "udp echo server did not start"; return 1; }

  # The responder stands for an Internet host: no route to the exit pool.
  e2e_nsx responder ip route del default
  e2e_nsx responder ip -6 route del default
  if e2e_nsx responder ip route get 100.64.3.9 >/dev/null 2>&1 ||
    e2e_nsx responder ip -6 route get fd00:64:3::9 >/dev/null 2>&1; then
    e2e_log "the responder still routes the exit pool"; return 1
  fi
  collide_pool_watch || { e2e_log "nft pool watch at ain3 failed"; return 1; }
  # Without NAT nothing comes back (so every reply below is the NAT's doing).
  if e2e_nsx initiator ping -n -c 2 -i 0.3 -W 1 "$E2E_RESPONDER4" >/dev/null 2>&1; then
    e2e_log "ping answered without NAT: the test proves nothing"; return 1
  fi
  e2e_log "  ok   without NAT no reply comes back"
  e2e_nsx ain3 bash "$E2E_ROOT/scripts/exit-nat.sh" up --out responder --tun ain0 \
    --pool 100.64.3.0/24 --pool fd00:64:3::/96 >&2 || { e2e_log "exit-nat.sh up failed"; return 1; }

  # Each host alone first, so the pool addresses can be told apart by host.
  local v a4 a6 b4 b6 all4 all6
  for v in "$E2E_RESPONDER4" "$E2E_RESPONDER6"; do
    e2e_nsx initiator ping -n -c 3 -i 0.3 -W 3 "$v" >/dev/null 2>&1 || { e2e_log "initiator: no answer from $v"; return 1; }
  done
  a4=$(collide_pool_list 4)
  a6=$(collide_pool_list 6)
  for v in "$E2E_RESPONDER4" "$E2E_RESPONDER6"; do
    e2e_nsx initiator2 ping -n -c 3 -i 0.3 -W 3 "$v" >/dev/null 2>&1 || { e2e_log "initiator2: no answer from $v"; return 1; }
  done
  all4=$(collide_pool_list 4)
  all6=$(collide_pool_list 6)
  b4=$(grep -vxF "$a4" <<<"$all4")
  b6=$(grep -vxF "$a6" <<<"$all6")
  if [ "$(wc -w <<<"$a4 $a6")" -ne 2 ] || [ "$(wc -w <<<"$all4")" -ne 2 ] || [ "$(wc -w <<<"$all6")" -ne 2 ]; then
    e2e_log "  FAIL pool addresses out of ain3's TUN: initiator '$a4' '$a6', all '$all4' / '$all6' (want one per host and family)"
    return 1
  fi
  e2e_log "  ok   exit pool addresses: initiator $a4 $a6, initiator2 $b4 $b6 (same inner source, different pool address)"

  # Both at once, identical flows inside the two hosts.
  collide_ping_pair "$E2E_RESPONDER4" || f=$((f + 1))
  collide_ping_pair "$E2E_RESPONDER6" || f=$((f + 1))
  # The kernel's NAT at ain3 kept each pair of identical flows apart by pool
  # address (checked right after each, within conntrack's timeouts).
  # Both pings really used identifier 4242 (so only the pool address told the
  # echo flows apart), and the kernel's NAT gave them two identifiers outside.
  _collide_nat_apart icmp 4242 - "$all4" || f=$((f + 1))
  _collide_nat_apart icmpv6 4242 - "$all6" || f=$((f + 1))
  if collide_udp_pair "$E2E_RESPONDER4"; then
    e2e_log "  ok   udp $E2E_RESPONDER4:7777 from both ($GEN_INNER4:40000): each got all its own answers, none of the other's"
  else
    e2e_log "  FAIL udp $E2E_RESPONDER4:7777"; f=$((f + 1))
  fi
  _collide_nat_apart udp 40000 7777 "$all4" || f=$((f + 1))
  local seen1 seen2
  seen1=$(collide_udp_field initiator seen)
  seen2=$(collide_udp_field initiator2 seen)
  if [ "${seen1%:*}" = 10.200.4.1 ] && [ "${seen2%:*}" = 10.200.4.1 ] && [ "$seen1" != "$seen2" ]; then
    e2e_log "  ok   the responder saw the two identical flows as $seen1 and $seen2 (the exit's address, NAT ports apart)"
  else
    e2e_log "  FAIL the responder saw '$seen1' and '$seen2'"; f=$((f + 1))
  fi
  if collide_udp_pair "$E2E_RESPONDER6"; then
    e2e_log "  ok   udp [$E2E_RESPONDER6]:7777 from both ([$GEN_INNER6]:40000): each got all its own answers, none of the other's"
  else
    e2e_log "  FAIL udp [$E2E_RESPONDER6]:7777"; f=$((f + 1))
  fi
  _collide_nat_apart udp 40000 7777 "$all6" || f=$((f + 1))
  collide_http_pair "$E2E_RESPONDER4" a.bin b.bin 41000 || f=$((f + 1))
  _collide_nat_apart tcp 41000 8080 "$all4" || f=$((f + 1))
  collide_http_pair "$E2E_RESPONDER6" b.bin a.bin 41001 || f=$((f + 1))
  _collide_nat_apart tcp 41001 8080 "$all6" || f=$((f + 1))

  # The ANTs: two per family at the entrance and at the exit, same inner pair.
  local q n4 n6
  for node in ain1 ain3; do
    q=entrance
    [ "$node" = ain3 ] && q="exit"
    n4=$(e2e_ainctl_json "$node" ants "str(sum(1 for a in r['ants'] if a['role'] == '$q' and a['up'] and a['inner_src'] == '$GEN_INNER4' and a['inner_dst'] == '$E2E_RESPONDER4'))") || n4="?"
    n6=$(e2e_ainctl_json "$node" ants "str(sum(1 for a in r['ants'] if a['role'] == '$q' and a['up'] and a['inner_src'] == '$GEN_INNER6' and a['inner_dst'] == '$E2E_RESPONDER6'))") || n6="?"
    if [ "$n4" = 2 ] && [ "$n6" = 2 ]; then
      e2e_log "  ok   $node lists 2 up $q ANTs $GEN_INNER4 -> $E2E_RESPONDER4 and 2 $GEN_INNER6 -> $E2E_RESPONDER6"
    else
      e2e_log "  FAIL $node lists $n4 / $n6 up $q ANTs for the colliding pairs (want 2 / 2)"; f=$((f + 1))
      e2e_ainctl "$node" ants >&2 2>&1
    fi
  done
  # ainctl at the exit names each ANT's pool address (list_ants exit_src):
  # two different ones per family, the same the TUN watch saw.
  local ex4 ex6
  ex4=$(e2e_ainctl_json ain3 ants "' '.join(sorted(a['exit_src'] for a in r['ants'] if a['role'] == 'exit' and a['inner_src'] == '$GEN_INNER4'))") || ex4=?
  ex6=$(e2e_ainctl_json ain3 ants "' '.join(sorted(a['exit_src'] for a in r['ants'] if a['role'] == 'exit' and a['inner_src'] == '$GEN_INNER6'))") || ex6=?
  if [ "$ex4" = "$(echo "$all4" | sort | tr '\n' ' ' | sed 's/ $//')" ] && [ "$(echo "$ex4" | wc -w)" = 2 ] &&
     [ "$(echo "$ex6" | wc -w)" = 2 ]; then
    e2e_log "  ok   ainctl at ain3: exit_src $ex4 / $ex6, one pool address per ANT"
  else
    e2e_log "  FAIL ainctl at ain3: exit_src '$ex4' / '$ex6', TUN saw '$(echo $all4)'"; f=$((f + 1))
  fi
  e2e_ainctl_json ain1 customers \
    "all(any(c['id'] == i and c['packets_in'] > 0 and c['packets_out'] > 0 for c in r['customers']) for i in ($GEN_CUSTOMER, $GEN_CUSTOMER2))" \
    >/dev/null || { e2e_log "  FAIL ain1's customers $GEN_CUSTOMER and $GEN_CUSTOMER2 did not both carry packets both ways"; f=$((f + 1)); }
  # No other pool address ever left the TUN: all traffic of both hosts went
  # on these ANTs.
  if [ "$(collide_pool_list 4)" = "$all4" ] && [ "$(collide_pool_list 6)" = "$all6" ]; then
    e2e_log "  ok   still exactly these pool addresses out of ain3's TUN"
  else
    e2e_log "  FAIL pool addresses changed: $(collide_pool_list 4 | tr '\n' ' ') $(collide_pool_list 6 | tr '\n' ' ')"; f=$((f + 1))
  fi
  [ $f -eq 0 ] || return 1

  # Negative control: replies to initiator2's pool address rewritten (after
  # NAT, on their way into aind's TUN) to the initiator's, i.e. into the
  # initiator's ANT. The same check must now fail on both sides.
  e2e_nsx ain3 nft add rule inet ainet_e2e_collide mix oifname ain0 ip daddr "$b4" counter ip daddr set "$a4" ||
    { e2e_log "nft mixing rule failed"; return 1; }
  if collide_udp_pair "$E2E_RESPONDER4" 5; then
    e2e_log "  FAIL with replies mixed at ain3 the UDP check still passed: it cannot fail"; return 1
  fi
  local own2 foreign1 mixed
  own2=$(collide_udp_field initiator2 own)
  foreign1=$(collide_udp_field initiator foreign)
  mixed=$(e2e_nsx ain3 nft list chain inet ainet_e2e_collide mix | grep -o 'packets [0-9]*' | awk '{print $2}')
  if [ "${own2:-1}" -eq 0 ] && [ "${foreign1:-0}" -gt 0 ] && [ "${mixed:-0}" -gt 0 ]; then
    e2e_log "  ok   mixing replies at ain3 ($mixed rewritten) fails the check: initiator got $foreign1 of initiator2's answers, initiator2 none of its own"
  else
    e2e_log "  FAIL negative control: rewritten $mixed, initiator foreign $foreign1, initiator2 own $own2"; return 1
  fi
  e2e_nsx ain3 nft flush chain inet ainet_e2e_collide mix || return 1
  collide_udp_pair "$E2E_RESPONDER4" || { e2e_log "  FAIL the UDP check did not recover after the mixing rule was removed"; return 1; }
  e2e_log "  ok   without the mixing rule the UDP check passes again"
  e2e_nsx ain3 bash "$E2E_ROOT/scripts/exit-nat.sh" down --tun ain0 --pool 100.64.3.0/24 --pool fd00:64:3::/96 >&2 || return 1
}
