# shellcheck shell=bash
# tests/e2e/ant.sh: aind configuration generation, the AINs' start-up and
# ANT helpers, shared by every case file (cases_*.sh, collide.sh, demo).

E2E_AIND=${AINET_AIND:-${AINET_BUILD_DIR:-$E2E_ROOT/build}/src/daemon/aind}
E2E_AINCTL=${AINET_AINCTL:-${AINET_BUILD_DIR:-$E2E_ROOT/build}/src/cli/ainctl}
declare -a E2E_AIND_PIDS=()

# e2e_aind_runnable: aind exists and answers --version (AINET_E2E_FORCE_AIND=1:
# exists is enough; a developer override for a daemon without --version).
e2e_aind_runnable() {
  [ -x "$E2E_AIND" ] && { [ "${AINET_E2E_FORCE_AIND:-0}" = 1 ] || "$E2E_AIND" --version >/dev/null 2>&1; }
}
E2E_GEN="$E2E_LIB_DIR/gen_configs.py"
E2E_SA_TOOL="$E2E_LIB_DIR/sa_tool.py"
E2E_ENDPOINT_PID=""

# e2e_endpoint_cmd: how the customer endpoint is started (issue 4: "aind in
# another role, or its own small program"). In order: AINET_ENDPOINT_CMD; an
# ain-endpoint binary next to aind; `aind --endpoint` if aind's --help lists
# it; else the scapy stand-in tests/e2e/stub_endpoint.py (said in the log;
# slow, so UDP checks then run at 1 Mbit/s). The config path is appended.
E2E_ENDPOINT_IS_STUB=0
e2e_endpoint_cmd() {
  E2E_ENDPOINT_IS_STUB=0
  if [ -n "${AINET_ENDPOINT_CMD:-}" ]; then
    echo "$AINET_ENDPOINT_CMD"
  elif [ -x "$(dirname "$E2E_AIND")/ain-endpoint" ]; then
    echo "$(dirname "$E2E_AIND")/ain-endpoint --config"
  elif "$E2E_AIND" --help 2>&1 | grep -q -- '--endpoint'; then
    echo "$E2E_AIND --endpoint"
  else
    E2E_ENDPOINT_IS_STUB=1
    echo "$E2E_PY $E2E_LIB_DIR/stub_endpoint.py"
  fi
}

# e2e_need_aind: in a test, skip (exit 77, said explicitly) without aind.
e2e_need_aind() {
  if ! e2e_aind_runnable; then
    echo "SKIP: aind not runnable ($E2E_AIND missing or --version failed)"
    exit 77
  fi
  e2e_need_ainctl
}
# e2e_need_endpoint WHY: in a test, skip (exit 77, saying WHY) without the
# real customer endpoint (ain-endpoint next to aind, or AINET_ENDPOINT_CMD).
e2e_need_endpoint() {
  [ -x "$(dirname "$E2E_AIND")/ain-endpoint" ] || [ -n "${AINET_ENDPOINT_CMD:-}" ] ||
    { echo "SKIP: needs ain-endpoint ($1); not built next to aind"; exit 77; }
}
e2e_need_ainctl() {
  if [ ! -x "$E2E_AINCTL" ]; then
    echo "SKIP: ainctl not built ($E2E_AINCTL)"
    exit 77
  fi
}

# e2e_ainctl NODE ARGS...: ainctl against NODE's control socket.
e2e_ainctl() {
  local node=$1
  shift
  "$E2E_AINCTL" --socket "$E2E_DIR/conf/$node/aind.sock" "$@"
}

# e2e_ainctl_json NODE CMD PYTHON-EXPR: evaluates EXPR on the JSON result `r`.
e2e_ainctl_json() {
  local node=$1 cmd=$2 expr=$3 json
  json=$(e2e_ainctl "$node" --json "$cmd" 2>/dev/null) || return 1
  "$E2E_PY" -c "import json,sys; r=json.loads(sys.stdin.read()); v=($expr); print(v if not isinstance(v,bool) else int(v)); sys.exit(0 if v not in (False, None) else 1)" <<<"$json"
}

# e2e_ant_gen CARRIER OUTER OPTION [CELL] [GEN-FLAG...]: fresh configs in
# $E2E_DIR/conf (gen_configs.py; flags such as --registered-responder or
# --second-initiator are passed on), then its env.sh sourced (GEN_*).
e2e_ant_gen() {
  local carrier=$1 outer=$2 option=$3 cell=1400
  shift 3
  if [ $# -gt 0 ] && [[ $1 != --* ]]; then
    cell=$1
    shift
  fi
  rm -rf "$E2E_DIR/conf"
  "$E2E_PY" "$E2E_GEN" --ainctl "$E2E_AINCTL" --out "$E2E_DIR/conf" --carrier "$carrier" --outer "$outer" \
    --option "$option" --cell-size "$cell" --log-level "${AINET_E2E_LOG_LEVEL:-info}" \
    ${AINET_E2E_TUN_OFFLOAD:+--tun-offload "$AINET_E2E_TUN_OFFLOAD"} \
    ${AINET_E2E_SEND_THREAD:+--send-thread "$AINET_E2E_SEND_THREAD"} \
    ${AINET_E2E_TVT_INTEGRITY:+--tvt-integrity "$AINET_E2E_TVT_INTEGRITY"} \
    ${AINET_E2E_E2E_AEAD:+--e2e-aead "$AINET_E2E_E2E_AEAD"} \
    ${AINET_E2E_BUSY_POLL:+--busy-poll "$AINET_E2E_BUSY_POLL"} \
    ${AINET_E2E_CPU_LATENCY:+--cpu-latency "$AINET_E2E_CPU_LATENCY"} "$@" || return 1
  # shellcheck disable=SC1091
  source "$E2E_DIR/conf/env.sh"
}

# e2e_aind_start N: aind for ainN in its namespace; waits for its socket.
# E2E_AIND_WRAP[N] (a command prefix, e.g. setpriv ...) starts it under that.
declare -a E2E_AIND_WRAP=()
e2e_aind_start() {
  local n=$1
  local -a wrap=()
  [ -n "${E2E_AIND_WRAP[$n]:-}" ] && read -r -a wrap <<<"${E2E_AIND_WRAP[$n]}"
  rm -f "$E2E_DIR/conf/ain$n/aind.sock"
  e2e_bg "ain$n" "aind-ain$n-$(date +%s%N)" "${wrap[@]}" "$E2E_AIND" --config "$E2E_DIR/conf/ain$n/aind.toml"
  E2E_AIND_PIDS[$n]=$E2E_LAST_PID
  e2e_wait_for 10 test -S "$E2E_DIR/conf/ain$n/aind.sock" || { e2e_log "aind ain$n did not open its socket"; return 1; }
}

# e2e_pvts_up N SECONDS: all PVTs of ainN up.
e2e_pvts_up() {
  e2e_wait_for "$2" e2e_ainctl_json "ain$1" status 'r["pvts_up"] == r["pvts_total"] and r["pvts_total"] > 0'
}

# e2e_ant_start_ains [EXIT]: on configs from e2e_ant_gen (and e2e_routes_ant), the
# four aind, each waited for (control socket), every PVT up, and the exit's
# TUN up with the exit-pool routes (docs/protocol.md "Exit delivery"). With
# AINET_PCAP_DIR the static sa.txt goes there first (docs/pcap.md). The one
# AIN start-up of every case file (ant.sh, collide.sh, cases_nat.sh).
# EXIT (default 3) is the exit AIN of the configs (gen_configs.py --exit).
e2e_ant_start_ains() {
  local n x=${1:-3}
  if [ -n "${AINET_PCAP_DIR:-}" ]; then
    mkdir -p "$AINET_PCAP_DIR"
    cp "$E2E_DIR/conf/sa.txt" "$AINET_PCAP_DIR/sa.txt"
  fi
  for n in 1 2 3 4; do e2e_aind_start "$n" || return 1; done
  for n in 1 2 3 4; do e2e_pvts_up "$n" 15 || { e2e_log "ain$n: PVTs not up"; e2e_ainctl "ain$n" pvts >&2; return 1; }; done
  e2e_wait_for 10 e2e_nsx "ain$x" ip link show dev ain0 || { e2e_log "ain$x has no TUN ain0"; return 1; }
  e2e_nsx "ain$x" ip link set dev ain0 up
  e2e_nsx "ain$x" ip route replace "100.64.$x.0/24" dev ain0
  e2e_nsx "ain$x" ip -6 route replace "fd00:64:$x::/96" dev ain0
}

# e2e_ant_network CARRIER OUTER OPTION [CELL]: on an e2e_topology, the ANT
# set-up: node addresses and routes, configs, the AINs (e2e_ant_start_ains),
# the initiator's endpoint with its inner addresses and routes. Afterwards
# the initiator reaches $E2E_RESPONDER4/6 only through an ANT.
e2e_ant_network() {
  e2e_routes_ant || return 1
  e2e_ant_gen "$1" "$2" "$3" "${4:-1400}" || { e2e_log "config generation failed"; return 1; }
  e2e_ant_start_ains || return 1
  e2e_endpoint_start initiator || return 1
}

# e2e_endpoint_start [NODE]: NODE's customer endpoint (default: the
# initiator; also initiator2 of collide.sh) from $E2E_DIR/conf/NODE/endpoint.toml,
# its TUN up, with option 1 the inner addresses on it, and the routes to the
# responder's networks into it.
e2e_endpoint_start() {
  local node=${1:-initiator} c
  local -a cmd
  c=$(e2e_endpoint_cmd)
  case $c in *stub_endpoint.py*)
    E2E_ENDPOINT_IS_STUB=1
    : "${AINET_E2E_UDP_RATE:=1M}"
    e2e_log "customer endpoint: the scapy stand-in (tests/e2e/stub_endpoint.py); UDP checks at $AINET_E2E_UDP_RATE" ;;
  esac
  read -r -a cmd <<<"$c"
  e2e_bg "$node" "endpoint-$node-$(date +%s%N)" "${cmd[@]}" "$E2E_DIR/conf/$node/endpoint.toml"
  [ "$node" = initiator ] && E2E_ENDPOINT_PID=$E2E_LAST_PID
  e2e_wait_for 10 e2e_nsx "$node" ip link show dev ainc0 || { e2e_log "$node endpoint made no TUN ainc0"; return 1; }
  e2e_nsx "$node" ip link set dev ainc0 up
  if [ "$GEN_OPTION" = 1 ]; then
    e2e_nsx "$node" ip addr replace "$GEN_INNER4/32" dev ainc0
    e2e_nsx "$node" ip addr replace "$GEN_INNER6/128" dev ainc0 nodad
  fi
  e2e_nsx "$node" ip route replace 10.200.4.0/24 dev ainc0 src "$GEN_INNER4"
  e2e_nsx "$node" ip -6 route replace fd00:200:0:4::/64 dev ainc0 src "$GEN_INNER6"
}

# e2e_ant_route: the route of ain1's (first) live ANT as "1 2 3".
e2e_ant_route() {
  e2e_ainctl_json ain1 ants '" ".join(str(x) for x in next(a["route"] for a in r["ants"] if a["up"] and a["role"] == "entrance"))'
}

# e2e_ant_show: ANT path and counters at the entrance, for the log.
e2e_ant_show() {
  local n
  for n in 1 2 3 4; do
    e2e_log "ain$n: $(e2e_ainctl "ain$n" status 2>&1 | tr '\n' ' ' | head -c 400)"
  done
  e2e_ainctl ain1 ants >&2 2>&1
}

# e2e_ant_dump_sas: append the live TVT SAs of every AIN, with their keys, to
# $AINET_PCAP_DIR/sa.txt (control command list_sas; docs/pcap.md). Each AIN
# lists the TVT SAs it receives on, so every SA appears once; link= names the
# capture file. Fails if an aind does not answer.
e2e_ant_dump_sas() {
  [ -n "${AINET_PCAP_DIR:-}" ] || return 0
  local n
  for n in 1 2 3 4; do
    "$E2E_PY" "$E2E_SA_TOOL" dump --socket "$E2E_DIR/conf/ain$n/aind.sock" --node "ain$n" \
      --pcap-dir "$AINET_PCAP_DIR" >>"$AINET_PCAP_DIR/sa.txt" ||
      { e2e_log "ain$n: list_sas failed"; return 1; }
  done
}
