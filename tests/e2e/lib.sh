# shellcheck shell=bash
# tests/e2e/lib.sh: the network-namespace harness shared by the e2e tests
# (tests/e2e/run.sh), the demo (scripts/demo.sh) and the end-to-end benchmark
# (bench/e2e). Source it, then call e2e_init once.
#
# Rules it enforces, so a run never touches anything but its own namespaces:
#   - every namespace is named "<prefix><node>", prefix "ainet-<pid>-" (or
#     "$AINET_E2E_RUN-<pid>-" under run.sh), so parallel runs never collide;
#   - traffic only inside those namespaces (veth pairs between them) and
#     loopback; the root namespace gets no address, route or nftables rule;
#   - e2e_cleanup (trapped on EXIT INT TERM) kills every process this script
#     started (by pid) and every process still inside its namespaces, then
#     deletes the namespaces; nftables rules live inside the namespaces and go
#     with them.
#   - every wait is bounded (e2e_wait_for TIMEOUT ...).
#
# Topology used by everything here (link index L, e2e_topology):
#
#   initiator --1-- ain1 --2-- ain2 --3-- ain3 --4-- responder
#                      \                  /
#                       --5-- ain4 --6---
#
# Link L between nodes A and B (in that order) is one veth pair; in A's
# namespace the interface is named B, in B's it is named A. Addresses:
#   A: 10.200.L.1/24  fd00:200:0:L::1/64      B: 10.200.L.2/24  fd00:200:0:L::2/64
# Each AIN N also has a node address on lo: 10.200.0.N/32 and fd00:200::N/128
# (its directory address; see e2e_routes_ant).
#
# Environment: AINET_PCAP_DIR (capture every link to <dir>/<A>-<B>.pcap),
# AINET_E2E_RUN (namespace prefix root), AINET_E2E_KEEP=1 (keep the work dir).

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_ROOT=$(cd "$E2E_LIB_DIR/../.." && pwd)
E2E_PY=/usr/bin/python3

declare -a E2E_NAMESPACES=() E2E_PIDS=() E2E_CAPTURE_PIDS=()
declare -A E2E_LINK_INDEX=()   # "a-b" -> L
declare -A E2E_ADDR4=() E2E_ADDR6=()  # "node:peer" -> address of node on the link to peer
E2E_PREFIX=""
E2E_DIR=""
E2E_LAST_PID=""

e2e_log() { echo "[e2e $(date +%H:%M:%S)] $*" >&2; }

# e2e_init: prefix, work directory, cleanup trap. Must run in the shell that
# creates the namespaces (a subshell has its own trap).
e2e_init() {
  local run=${AINET_E2E_RUN:-ainet}
  E2E_PREFIX="${run}-${BASHPID}-"
  E2E_DIR=$(mktemp -d "/tmp/${E2E_PREFIX}XXXX")
  mkdir -p "$E2E_DIR/log"
  trap 'e2e_cleanup' EXIT
  trap 'e2e_cleanup; trap - EXIT; exit 130' INT
  trap 'e2e_cleanup; trap - EXIT; exit 143' TERM
}

e2e_ns() { echo "${E2E_PREFIX}$1"; }

# e2e_ns_add NODE...: one namespace per node, loopback up, forwarding off.
e2e_ns_add() {
  local n ns
  for n in "$@"; do
    ns=$(e2e_ns "$n")
    ip netns add "$ns" || return 1
    E2E_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=0 net.ipv6.conf.all.forwarding=0 \
      net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
      net.ipv6.conf.all.keep_addr_on_down=1 >/dev/null
  done
}

# e2e_nsx NODE CMD...: run CMD inside NODE's namespace (foreground).
e2e_nsx() {
  local ns
  ns=$(e2e_ns "$1")
  shift
  ip netns exec "$ns" "$@"
}

# e2e_forwarding NODE on|off
e2e_forwarding() {
  local v=0
  [ "$2" = on ] && v=1
  e2e_nsx "$1" sysctl -qw net.ipv4.ip_forward=$v net.ipv6.conf.all.forwarding=$v >/dev/null
}

# e2e_link A B L: veth pair between A and B with link index L (see header).
e2e_link() {
  local a=$1 b=$2 l=$3
  local nsa nsb
  nsa=$(e2e_ns "$a")
  nsb=$(e2e_ns "$b")
  ip link add name "$b" netns "$nsa" type veth peer name "$a" netns "$nsb" || return 1
  ip -n "$nsa" addr add "10.200.$l.1/24" dev "$b"
  ip -n "$nsb" addr add "10.200.$l.2/24" dev "$a"
  ip -n "$nsa" addr add "fd00:200:0:$l::1/64" dev "$b" nodad
  ip -n "$nsb" addr add "fd00:200:0:$l::2/64" dev "$a" nodad
  # Large-offload on veth makes iperf numbers meaningless for userspace
  # tunnels only on one side; leave defaults, but make MTU explicit.
  ip -n "$nsa" link set dev "$b" mtu 1500 up
  ip -n "$nsb" link set dev "$a" mtu 1500 up
  E2E_LINK_INDEX["$a-$b"]=$l
  E2E_ADDR4["$a:$b"]=10.200.$l.1
  E2E_ADDR4["$b:$a"]=10.200.$l.2
  E2E_ADDR6["$a:$b"]=fd00:200:0:$l::1
  E2E_ADDR6["$b:$a"]=fd00:200:0:$l::2
  [ -n "${AINET_PCAP_DIR:-}" ] && e2e_capture "$a" "$b"
  return 0
}

# e2e_addr4 NODE PEER / e2e_addr6 NODE PEER: NODE's address on its link to PEER.
e2e_addr4() { echo "${E2E_ADDR4["$1:$2"]}"; }
e2e_addr6() { echo "${E2E_ADDR6["$1:$2"]}"; }

# e2e_capture A B: dumpcap on A's end of link A-B into $AINET_PCAP_DIR/A-B.pcap
# (classic pcap format). Waits until the capture runs.
# Both ends of the link get gso_max_segs 1: a UDP GSO send (the udp carrier,
# docs/architecture.md "Batching and offloads") crosses a veth pair whole, so
# without it the capture would see the 64 KB super-packet, never a wire; with
# it the kernel cuts it into its datagrams before the capture point, as a NIC
# does before the wire.
e2e_capture() {
  local a=$1 b=$2 f
  ip -n "$(e2e_ns "$a")" link set dev "$b" gso_max_segs 1 || return 1
  ip -n "$(e2e_ns "$b")" link set dev "$a" gso_max_segs 1 || return 1
  mkdir -p "$AINET_PCAP_DIR"
  f="$AINET_PCAP_DIR/$a-$b.pcap"
  rm -f "$f"
  ip netns exec "$(e2e_ns "$a")" dumpcap -q -P -i "$b" -w "$f" \
    >"$E2E_DIR/log/dumpcap-$a-$b.log" 2>&1 &
  E2E_CAPTURE_PIDS+=($!)
  # dumpcap writes the pcap header as soon as it captures.
  e2e_wait_for 10 test -s "$f" || { e2e_log "capture on $a-$b did not start"; return 1; }
}

# e2e_bg NODE LABEL CMD...: start CMD in NODE's namespace in the background,
# output in $E2E_DIR/log/LABEL.log; its pid is remembered (cleanup) and left
# in E2E_LAST_PID. Do not call it in $(...): the subshell would forget it.
e2e_bg() {
  local node=$1 label=$2
  shift 2
  ip netns exec "$(e2e_ns "$node")" "$@" >"$E2E_DIR/log/$label.log" 2>&1 &
  E2E_LAST_PID=$!
  E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_stop PID [SECONDS]: SIGTERM, wait up to SECONDS (default 5), then SIGKILL.
e2e_stop() {
  local pid=$1 t=${2:-5} i
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < t * 10; i++)); do
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  return 0
}

# e2e_wait_for SECONDS CMD...: poll CMD every 0.1 s until it succeeds; fails
# after SECONDS.
e2e_wait_for() {
  local t=$1 deadline
  shift
  deadline=$(($(date +%s%N) + t * 1000000000))
  while [ "$(date +%s%N)" -lt "$deadline" ]; do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# e2e_wait_tcp NODE ADDR PORT SECONDS: until a TCP connect from NODE succeeds.
e2e_wait_tcp() {
  e2e_wait_for "$4" e2e_nsx "$1" bash -c "exec 3<>/dev/tcp/$2/$3" 2>/dev/null
}

# e2e_wait_listen NODE PORT SECONDS [tcp|udp]: until something in NODE listens.
e2e_wait_listen() {
  local flag=-tln
  [ "${4:-tcp}" = udp ] && flag=-uln
  e2e_wait_for "$3" bash -c "ip netns exec '$(e2e_ns "$1")' ss $flag | grep -q ':$2 '"
}

# e2e_cleanup: idempotent; runs from the trap.
e2e_cleanup() {
  local pid ns p
  [ -z "$E2E_PREFIX" ] && return 0
  for pid in "${E2E_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${E2E_PIDS[@]}"; do e2e_stop "$pid" 3; done
  # Anything still inside our namespaces was started by us (children of the
  # processes above, e.g. a daemon's helpers).
  for ns in "${E2E_NAMESPACES[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do
      case " ${E2E_CAPTURE_PIDS[*]} " in *" $p "*) continue ;; esac
      kill -KILL "$p" 2>/dev/null
    done
  done
  # Captures last, with SIGINT so dumpcap flushes its file.
  for pid in "${E2E_CAPTURE_PIDS[@]}"; do kill -INT "$pid" 2>/dev/null; done
  for pid in "${E2E_CAPTURE_PIDS[@]}"; do e2e_stop "$pid" 3; done
  for ns in "${E2E_NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null; done
  E2E_PIDS=()
  E2E_CAPTURE_PIDS=()
  E2E_NAMESPACES=()
  if [ -n "$E2E_DIR" ] && [ "${AINET_E2E_KEEP:-0}" != 1 ]; then rm -rf "$E2E_DIR"; fi
  E2E_PREFIX=""
}

# ---------------------------------------------------------------------------
# The topology.
# ---------------------------------------------------------------------------
E2E_AINS=(ain1 ain2 ain3 ain4)
# link index -> "A B"
E2E_LINKS=("" "initiator ain1" "ain1 ain2" "ain2 ain3" "ain3 responder" "ain1 ain4" "ain4 ain3")
# PVTs (undirected): the inter-AIN links.
E2E_PVTS=("1 2" "2 3" "1 4" "4 3")
E2E_RESPONDER4=10.200.4.2
E2E_RESPONDER6=fd00:200:0:4::2
E2E_INITIATOR4=10.200.1.1
E2E_INITIATOR6=fd00:200:0:1::1

# e2e_topology: the six namespaces and six links, no routes yet.
e2e_topology() {
  e2e_ns_add initiator ain1 ain2 ain3 ain4 responder || return 1
  local l
  for l in 1 2 3 4 5 6; do
    # shellcheck disable=SC2086
    e2e_link ${E2E_LINKS[$l]} "$l" || return 1
  done
}

# e2e_routes_kernel: plain IP forwarding initiator -> ain1 -> ain2 -> ain3 ->
# responder (ain4 unused), v4 and v6; the baseline.
e2e_routes_kernel() {
  for n in ain1 ain2 ain3; do e2e_forwarding "$n" on; done
  e2e_nsx initiator ip route add default via 10.200.1.2
  e2e_nsx initiator ip -6 route add default via fd00:200:0:1::2
  e2e_nsx ain1 ip route add default via 10.200.2.2
  e2e_nsx ain1 ip -6 route add default via fd00:200:0:2::2
  e2e_nsx ain2 ip route add 10.200.1.0/24 via 10.200.2.1
  e2e_nsx ain2 ip -6 route add fd00:200:0:1::/64 via fd00:200:0:2::1
  e2e_nsx ain2 ip route add default via 10.200.3.2
  e2e_nsx ain2 ip -6 route add default via fd00:200:0:3::2
  e2e_nsx ain3 ip route add default via 10.200.3.1
  e2e_nsx ain3 ip -6 route add default via fd00:200:0:3::1
  e2e_nsx responder ip route add default via 10.200.4.1
  e2e_nsx responder ip -6 route add default via fd00:200:0:4::1
}

# e2e_routes_ant: node addresses for the AINs (10.200.0.N, fd00:200::N on lo)
# and host routes between PVT neighbours and to the customers, with the node
# address as source so packets carry the directory address. No forwarding
# anywhere, except at the exit ain3 (local delivery: TUN -> responder link);
# the initiator has no route to the responder except its tunnel.
e2e_routes_ant() {
  local i a b la lb l
  for i in 1 2 3 4; do
    e2e_nsx "ain$i" ip addr add "10.200.0.$i/32" dev lo
    e2e_nsx "ain$i" ip addr add "fd00:200::$i/128" dev lo nodad
  done
  for l in 2 3 5 6; do
    read -r la lb <<<"${E2E_LINKS[$l]}"
    a=${la#ain}
    b=${lb#ain}
    e2e_nsx "$la" ip route add "10.200.0.$b/32" via "10.200.$l.2" src "10.200.0.$a"
    e2e_nsx "$la" ip -6 route add "fd00:200::$b/128" via "fd00:200:0:$l::2" src "fd00:200::$a"
    e2e_nsx "$lb" ip route add "10.200.0.$a/32" via "10.200.$l.1" src "10.200.0.$b"
    e2e_nsx "$lb" ip -6 route add "fd00:200::$a/128" via "fd00:200:0:$l::1" src "fd00:200::$b"
  done
  # Customer links: the initiator's tunnel goes to ain1's node address; the
  # responder's (registered-responder mode) to ain3's.
  e2e_nsx initiator ip route add 10.200.0.1/32 via 10.200.1.2
  e2e_nsx initiator ip -6 route add fd00:200::1/128 via fd00:200:0:1::2
  e2e_nsx ain1 ip route add 10.200.1.1/32 dev initiator src 10.200.0.1
  e2e_nsx ain1 ip -6 route add fd00:200:0:1::1/128 dev initiator src fd00:200::1
  e2e_nsx responder ip route add 10.200.0.3/32 via 10.200.4.1
  e2e_nsx responder ip -6 route add fd00:200::3/128 via fd00:200:0:4::1
  # Local delivery at the exit: the responder answers the exit-pool address
  # via ain3 (default route), ain3 routes the pool into its TUN (e2e_exit_tun).
  e2e_nsx responder ip route add default via 10.200.4.1
  e2e_nsx responder ip -6 route add default via fd00:200:0:4::1
  e2e_forwarding ain3 on
}

# e2e_nft_drop NODE IFACE PERCENT: drop PERCENT% of the packets leaving NODE
# on IFACE (nftables numgen; no netem on this kernel). The table lives in
# NODE's namespace and goes with it.
e2e_nft_drop() {
  e2e_nsx "$1" nft -f - <<EOF
table inet ainet_e2e_loss {
  chain out {
    type filter hook postrouting priority 0; policy accept;
    oifname "$2" numgen random mod 100 < $3 counter drop
  }
}
EOF
}

# e2e_nft_drop_count NODE: packets dropped by e2e_nft_drop so far.
e2e_nft_drop_count() {
  e2e_nsx "$1" nft list table inet ainet_e2e_loss 2>/dev/null |
    sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1
}

# ---------------------------------------------------------------------------
# Applications (servers in the responder, clients in the initiator).
# ---------------------------------------------------------------------------

# e2e_http_server NODE PORT DIR [cert key]: python3 http.server serving DIR on
# all addresses (v4 and v6), HTTPS when a certificate is given.
e2e_http_server() {
  local node=$1 port=$2 dir=$3 cert=${4:-} key=${5:-}
  e2e_bg "$node" "http-$port" "$E2E_PY" "$E2E_LIB_DIR/http_server.py" \
    --port "$port" --dir "$dir" ${cert:+--cert "$cert" --key "$key"}
  e2e_wait_listen "$node" "$port" 10
}

# e2e_selfsigned DIR: makes DIR/cert.pem and DIR/key.pem for the responder's
# addresses (subjectAltName IP:10.200.4.2, IP:fd00:200:0:4::2).
e2e_selfsigned() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
    -subj "/CN=ainet-e2e-responder" \
    -addext "subjectAltName=IP:$E2E_RESPONDER4,IP:$E2E_RESPONDER6" \
    -keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# e2e_dns_server NODE: the tiny UDP DNS responder on port 53 (dns_server.py);
# answers A/AAAA for *.ainet.test.
e2e_dns_server() {
  e2e_bg "$1" dns "$E2E_PY" "$E2E_LIB_DIR/dns_server.py" --port 53
  e2e_wait_listen "$1" 53 10 udp
}

# e2e_iperf_server NODE: iperf3 server (bounded: it exits with the namespace).
e2e_iperf_server() {
  e2e_bg "$1" iperf3-server iperf3 -s -p 5201
  e2e_wait_listen "$1" 5201 10
}

# e2e_mkfile PATH MB: a file of MB mebibytes of random bytes.
e2e_mkfile() { head -c "$(($2 * 1048576))" /dev/urandom >"$1"; }
