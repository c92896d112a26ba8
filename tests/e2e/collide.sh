# shellcheck shell=bash
# tests/e2e/collide.sh: harness for two initiators whose inner source
# addresses collide (tests/e2e/cases_collide.sh). Sourced by that file; uses
# lib.sh, apps.sh and ant.sh.
#
# The extra host: namespace "initiator2" (lib.sh naming and cleanup via
# e2e_ns_add), link 7 initiator2 -- ain1 (e2e_link: initiator2 10.200.7.1,
# ain1 10.200.7.2), customer 11 of ain1 (gen_configs.py --second-initiator)
# with the SAME option-1 inner addresses as the initiator (customer 10).
#
# Why a second customer of ain1 rather than of another AIN: the requirement
# is about the exit, and from ain1 both ANTs reach the exit ain3 over the
# 3-AIN routes the configs ask for (1-2-3 or 1-4-3); ain4 has no 3-AIN route
# to ain3 in this topology (its neighbours are 1 and 3). Sharing the entrance
# also makes ain1 keep two customers with the same (inner source,
# destination) apart, which it does by customer (engine EntranceKey).

E2E_COLLIDE_UDP="$E2E_LIB_DIR/collide_udp.py"
E2E_INITIATOR2_4=10.200.7.1
E2E_INITIATOR2_6=fd00:200:0:7::1

# collide_network CARRIER: e2e_topology plus initiator2, then the ANT
# network (ant.sh e2e_ant_gen with --second-initiator, e2e_ant_start_ains)
# and both endpoints. Outer IPv4, option 1.
collide_network() {
  local carrier=$1
  e2e_ns_add initiator2 || return 1
  e2e_link initiator2 ain1 7 || return 1
  e2e_routes_ant || return 1
  # initiator2's customer link, as e2e_routes_ant does for the initiator: its
  # tunnel goes to ain1's node address, ain1 answers from it.
  e2e_nsx initiator2 ip route add 10.200.0.1/32 via 10.200.7.2
  e2e_nsx initiator2 ip -6 route add fd00:200::1/128 via fd00:200:0:7::2
  e2e_nsx ain1 ip route add "$E2E_INITIATOR2_4/32" dev initiator2 src 10.200.0.1
  e2e_nsx ain1 ip -6 route add "$E2E_INITIATOR2_6/128" dev initiator2 src fd00:200::1
  e2e_ant_gen "$carrier" 4 1 --second-initiator || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1
  e2e_endpoint_start || return 1
  # The same option-1 inner addresses as the initiator (gen_configs.py).
  e2e_endpoint_start initiator2 || return 1
}

# collide_pool_watch: at the exit ain3, a table of ours that records every
# source address of a datagram coming out of aind's TUN (i.e. the exit-pool
# address aind gave its ANT) in the dynamic sets pool4/pool6, and an empty
# chain `mix` (after NAT) for the negative control. Lives in ain3's
# namespace and goes with it.
collide_pool_watch() {
  e2e_nsx ain3 nft -f - <<'NFT'
table inet ainet_e2e_collide {
  set pool4 { type ipv4_addr; flags dynamic; }
  set pool6 { type ipv6_addr; flags dynamic; }
  chain from_tun {
    type filter hook prerouting priority filter; policy accept;
    iifname "ain0" ip saddr 100.64.3.0/24 add @pool4 { ip saddr }
    iifname "ain0" ip6 saddr fd00:64:3::/96 add @pool6 { ip6 saddr }
  }
  chain mix {
    type filter hook postrouting priority filter; policy accept;
  }
}
NFT
}

# collide_pool_list 4|6: the pool addresses seen so far, one a line, sorted.
collide_pool_list() {
  e2e_nsx ain3 nft -j list set inet ainet_e2e_collide "pool$1" 2>/dev/null | "$E2E_PY" -c '
import json, sys
out = []
for o in json.load(sys.stdin)["nftables"]:
    for e in o.get("set", {}).get("elem", []):
        out.append(e if isinstance(e, str) else e.get("elem", {}).get("val", str(e)))
print("\n".join(sorted(out)))'
}

# collide_udp_server NODE PORT: the echo server of collide_udp.py.
collide_udp_server() {
  e2e_bg "$1" "udp-echo-$2" "$E2E_PY" "$E2E_COLLIDE_UDP" server --port "$2"
  e2e_wait_listen "$1" "$2" 10 udp
}

# collide_udp_pair DST [TIMEOUT]: both initiators at once, each from its inner
# source and the SAME source port 40000 to DST:7777 (so the two flows are
# identical up to the exit's pool address). Prints both JSON lines; returns
# the number of clients that failed (0 = each got all its own answers and
# nothing of the other's).
collide_udp_pair() {
  local dst=$1 t=${2:-15} src p1 p2 rc1=0 rc2=0
  src=$GEN_INNER4
  case $dst in *:*) src=$GEN_INNER6 ;; esac
  e2e_nsx initiator timeout $((t + 10)) "$E2E_PY" "$E2E_COLLIDE_UDP" client --bind "$src" --sport 40000 \
    --dst "$dst" --dport 7777 --name initiator --timeout "$t" >"$E2E_DIR/udp-initiator.json" 2>&1 &
  p1=$!
  e2e_nsx initiator2 timeout $((t + 10)) "$E2E_PY" "$E2E_COLLIDE_UDP" client --bind "$src" --sport 40000 \
    --dst "$dst" --dport 7777 --name initiator2 --timeout "$t" >"$E2E_DIR/udp-initiator2.json" 2>&1 &
  p2=$!
  wait "$p1" || rc1=1
  wait "$p2" || rc2=1
  e2e_log "    udp initiator : $(cat "$E2E_DIR/udp-initiator.json")"
  e2e_log "    udp initiator2: $(cat "$E2E_DIR/udp-initiator2.json")"
  return $((rc1 + rc2))
}

# collide_udp_field NAME KEY: a field of the last collide_udp_pair result of NAME.
collide_udp_field() {
  "$E2E_PY" -c 'import json,sys; v=json.loads(open(sys.argv[1]).read().splitlines()[-1])[sys.argv[2]]; print(" ".join(v) if isinstance(v,list) else v)' \
    "$E2E_DIR/udp-$1.json" "$2" 2>/dev/null
}

# collide_ping_pair DST: both initiators ping DST at once with the SAME ICMP
# identifier (4242) and sequence numbers, so the two echo flows differ only
# in the exit's pool address; each fills its payload with its own pattern
# (ping -p) and iputils ping reports "wrong data byte" for an echo reply that
# carries the other's pattern. Returns the number of pings that failed (a
# loss, or a reply with the other's payload).
collide_ping_pair() {
  local dst=$1 p1 p2 f=0 node out
  e2e_nsx initiator timeout 20 ping -n -c 5 -i 0.2 -W 3 -e 4242 -p a1a1a1a1a1a1a1a1 "$dst" \
    >"$E2E_DIR/ping-initiator.txt" 2>&1 &
  p1=$!
  e2e_nsx initiator2 timeout 20 ping -n -c 5 -i 0.2 -W 3 -e 4242 -p b2b2b2b2b2b2b2b2 "$dst" \
    >"$E2E_DIR/ping-initiator2.txt" 2>&1 &
  p2=$!
  wait "$p1"
  wait "$p2"
  for node in initiator initiator2; do
    out="$E2E_DIR/ping-$node.txt"
    if grep -q ' 0% packet loss' "$out" && ! grep -qi 'wrong data' "$out"; then
      e2e_log "  ok   ping $dst from $node (id 4242): $(grep -E 'packets transmitted' "$out")"
    else
      e2e_log "  FAIL ping $dst from $node (id 4242): $(grep -E 'packets transmitted|wrong data' "$out" | head -3 | tr '\n' ' ')"
      f=$((f + 1))
    fi
  done
  return $f
}

# collide_http_pair DST FILE1 FILE2 PORT: at once, initiator fetches FILE1
# and initiator2 FILE2 from DST:8080, both from local port PORT (curl
# --local-port), i.e. the same TCP 4-tuple inside both hosts. Each result must
# be byte-identical to its own file. Returns the number of failures.
collide_http_pair() {
  local dst=$1 f1=$2 f2=$3 port=$4 p1 p2 f=0 node file rc
  local url_host
  url_host=$(_e2e_url_host "$dst")
  rm -f "$E2E_DIR/got-initiator" "$E2E_DIR/got-initiator2"
  e2e_nsx initiator curl -sS --fail --max-time 120 --connect-timeout 10 --local-port "$port" \
    -o "$E2E_DIR/got-initiator" "http://$url_host:8080/$f1" 2>"$E2E_DIR/log/curl-initiator.err" &
  p1=$!
  e2e_nsx initiator2 curl -sS --fail --max-time 120 --connect-timeout 10 --local-port "$port" \
    -o "$E2E_DIR/got-initiator2" "http://$url_host:8080/$f2" 2>"$E2E_DIR/log/curl-initiator2.err" &
  p2=$!
  local rc1=0 rc2=0
  wait "$p1" || rc1=$?
  wait "$p2" || rc2=$?
  for node in initiator initiator2; do
    if [ "$node" = initiator ]; then file=$f1 rc=$rc1; else file=$f2 rc=$rc2; fi
    if [ "$rc" -eq 0 ] && cmp -s "$E2E_DIR/got-$node" "$E2E_DIR/www/$file"; then
      e2e_log "  ok   curl http://$url_host:8080/$file from $node port $port ($(stat -c %s "$E2E_DIR/got-$node") bytes, identical)"
    else
      e2e_log "  FAIL curl http://$url_host:8080/$file from $node port $port: rc $rc $(head -c 200 "$E2E_DIR/log/curl-$node.err")"
      f=$((f + 1))
    fi
  done
  rm -f "$E2E_DIR/got-initiator" "$E2E_DIR/got-initiator2"
  return $f
}
