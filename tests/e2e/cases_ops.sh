# shellcheck shell=bash
# Operating aind and ain-endpoint (issue 11): Prometheus metrics from live
# daemons (promtool check metrics, counters moving under traffic), the
# capabilities a running daemon keeps (/proc/<pid>/status), key files that
# others can read, the TVT table's link labels across hops, the UDP port
# learned for a NATed PVT peer, and the endpoint's flow table aging out
# idle pairs.

OPS_METRICS_PORT=9548           # aind (docs/metrics.md)
OPS_ENDPOINT_METRICS_PORT=9549  # ain-endpoint

# _ops_network CARRIER HOOK: e2e_ant_network with a HOOK (a function name, or
# "") run between the config generation and the start of the daemons, so a
# test can add [metrics], [process] or endpoint keys to the generated files.
# OPS_AIND_WRAP[N] (a command prefix) starts ainN under it (E2E_AIND_WRAP).
declare -a OPS_AIND_WRAP=()
_ops_network() {
  local carrier=$1 hook=$2 n
  e2e_routes_ant || return 1
  e2e_ant_gen "$carrier" 4 1 || { e2e_log "config generation failed"; return 1; }
  if [ -n "$hook" ]; then "$hook" || { e2e_log "config hook $hook failed"; return 1; }; fi
  for n in "${!OPS_AIND_WRAP[@]}"; do E2E_AIND_WRAP[$n]=${OPS_AIND_WRAP[$n]}; done
  e2e_ant_start_ains || return 1
  e2e_endpoint_start || return 1
}

# [metrics] on every AIN and on the initiator's endpoint.
_ops_metrics_configs() {
  local n
  for n in 1 2 3 4; do
    printf '\n[metrics]\nlisten = "127.0.0.1:%s"\n' "$OPS_METRICS_PORT" >>"$E2E_DIR/conf/ain$n/aind.toml"
  done
  printf '\n[metrics]\nlisten = "127.0.0.1:%s"\n' "$OPS_ENDPOINT_METRICS_PORT" >>"$E2E_DIR/conf/initiator/endpoint.toml"
}

# _ops_scrape NODE PORT FILE: GET /metrics inside NODE's namespace into FILE.
_ops_scrape() {
  e2e_nsx "$1" curl -sS --fail --max-time 5 -o "$3" "http://127.0.0.1:$2/metrics"
}

# _ops_value FILE SAMPLE: the value of one sample line (name{labels} exactly).
_ops_value() {
  awk -v s="$2" '$1 == s { print $2; found = 1 } END { if (!found) exit 1 }' "$1"
}

# _ops_promtool FILE WHAT: promtool check metrics (lint included) passes.
_ops_promtool() {
  local out
  if ! out=$(promtool check metrics <"$1" 2>&1); then
    e2e_log "  FAIL promtool check metrics ($2): $out"
    return 1
  fi
  e2e_log "  ok   promtool check metrics ($2): $(wc -l <"$1") lines, no problem"
}

# _ops_moved FILE0 FILE1 SAMPLE MIN: SAMPLE grew by at least MIN.
_ops_moved() {
  local a b
  a=$(_ops_value "$1" "$3") || { e2e_log "  FAIL no sample $3"; return 1; }
  b=$(_ops_value "$2" "$3") || { e2e_log "  FAIL no sample $3"; return 1; }
  if awk -v a="$a" -v b="$b" -v m="$4" 'BEGIN { exit !(b - a >= m) }'; then
    e2e_log "  ok   $3: $a -> $b"
  else
    e2e_log "  FAIL $3: $a -> $b (expected +$4 or more)"
    return 1
  fi
}

# The metrics of every AIN on the path and of the endpoint pass promtool, and
# the counters move with 10 pings and an HTTP fetch through the ANT: cells,
# bytes and packets at the entrance, the relay and the exit, the exit's local
# deliveries, the endpoint's packets; gauges show the live ANT in each role
# and every PVT up; the set-up histogram counted the ANT.
test_ops_metrics_promtool() {
  e2e_need_aind
  command -v promtool >/dev/null || { echo "SKIP: promtool not installed (Debian package prometheus)"; exit 77; }
  e2e_init
  e2e_topology || return 1
  _ops_network ip _ops_metrics_configs || return 1
  e2e_apps_start 0 || return 1
  local m="$E2E_DIR/metrics" f=0 n mid
  mkdir -p "$m"
  for n in 1 2 3 4; do _ops_scrape "ain$n" "$OPS_METRICS_PORT" "$m/ain$n.0" || { e2e_log "no metrics from ain$n"; return 1; }; done
  _ops_scrape initiator "$OPS_ENDPOINT_METRICS_PORT" "$m/endpoint.0" || { e2e_log "no metrics from the endpoint"; return 1; }

  e2e_check_ping "$E2E_RESPONDER4" 10 || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER4" index.html || f=$((f + 1))
  ANT_ROUTE=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  read -r _ mid _ <<<"$ANT_ROUTE"
  e2e_log "ANT route: $ANT_ROUTE"
  for n in 1 2 3 4; do _ops_scrape "ain$n" "$OPS_METRICS_PORT" "$m/ain$n.1" || f=$((f + 1)); done
  _ops_scrape initiator "$OPS_ENDPOINT_METRICS_PORT" "$m/endpoint.1" || f=$((f + 1))

  for n in 1 "$mid" 3; do _ops_promtool "$m/ain$n.1" "ain$n" || f=$((f + 1)); done
  _ops_promtool "$m/endpoint.1" "ain-endpoint" || f=$((f + 1))
  # The entrance: cells forward (10 pings + the TCP exchange) and back.
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_cells_total{direction="fwd"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_cells_total{direction="bwd"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_cell_bytes_total{direction="fwd"}' 12000 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_datagram_bytes_total{direction="fwd"}' 840 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_carrier_packets_total{direction="out"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_customer_packets_total{customer="10",direction="in"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain1.0" "$m/ain1.1" 'ainet_ant_setup_seconds_count' 1 || f=$((f + 1))
  # The relay and the exit carried the same cells.
  _ops_moved "$m/ain$mid.0" "$m/ain$mid.1" 'ainet_cells_total{direction="fwd"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain$mid.0" "$m/ain$mid.1" 'ainet_cells_total{direction="bwd"}' 12 || f=$((f + 1))
  _ops_moved "$m/ain3.0" "$m/ain3.1" 'ainet_local_deliveries_total' 12 || f=$((f + 1))
  _ops_moved "$m/endpoint.0" "$m/endpoint.1" 'ainet_endpoint_packets_total{direction="out"}' 12 || f=$((f + 1))
  _ops_moved "$m/endpoint.0" "$m/endpoint.1" 'ainet_endpoint_packets_total{direction="in"}' 12 || f=$((f + 1))
  _ops_moved "$m/endpoint.0" "$m/endpoint.1" 'ainet_endpoint_carrier_bytes_total{direction="out"}' 1000 || f=$((f + 1))
  # Gauges: the ANT in each role, every PVT up.
  [ "$(_ops_value "$m/ain1.1" 'ainet_ants{role="entrance"}')" -ge 1 ] || { e2e_log "  FAIL ain1 has no entrance ANT"; f=$((f + 1)); }
  [ "$(_ops_value "$m/ain$mid.1" 'ainet_ants{role="intermediate"}')" -ge 1 ] || { e2e_log "  FAIL ain$mid has no relay ANT"; f=$((f + 1)); }
  [ "$(_ops_value "$m/ain3.1" 'ainet_ants{role="exit"}')" -ge 1 ] || { e2e_log "  FAIL ain3 has no exit ANT"; f=$((f + 1)); }
  [ "$(_ops_value "$m/ain1.1" 'ainet_pvt_up{peer="2"}')" = 1 ] && [ "$(_ops_value "$m/ain1.1" 'ainet_pvts{state="down"}')" = 0 ] ||
    { e2e_log "  FAIL ain1's PVTs are not all up in the metrics"; f=$((f + 1)); }
  # Counters never go down between scrapes (a sample that shrank would be a bug).
  for n in 1 "$mid" 3; do
    awk 'FNR == NR { if ($1 ~ /_total(\{|$)/) a[$1] = $2; next }
         ($1 in a) && $2 + 0 < a[$1] + 0 { print "  FAIL counter went down: " $1 " " a[$1] " -> " $2; bad = 1 }
         END { exit bad }' "$m/ain$n.0" "$m/ain$n.1" >&2 || f=$((f + 1))
  done
  [ $f -eq 0 ]
}

# Every running aind and ain-endpoint holds no capability (CapEff, CapPrm,
# CapBnd all zero in /proc/<pid>/status, every thread), has no_new_privs and
# still carries traffic. Negative control: a process started the same way
# (e2e_bg, as root in the namespace) holds a full set, so the check can fail.
# ain2 runs as the configured user nobody ([process] user).
_ops_user_configs() {
  _ops_metrics_configs
  printf '\n[process]\nuser = "nobody"\n' >>"$E2E_DIR/conf/ain2/aind.toml"
}
test_ops_capabilities_dropped() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  _ops_network ip _ops_user_configs || return 1
  e2e_apps_start 0 || return 1
  local f=0 n pid st task
  e2e_bg ain1 "control-sleep" sleep 300
  st=$(grep '^CapEff' "/proc/$E2E_LAST_PID/status" | awk '{print $2}')
  [ "$st" != 0000000000000000 ] || { e2e_log "negative control: a root process in the namespace has CapEff 0 (the check cannot fail)"; f=$((f + 1)); }
  e2e_log "  ok   negative control: a plain root process has CapEff $st"
  for n in 1 2 3 4 endpoint; do
    if [ "$n" = endpoint ]; then pid=$E2E_ENDPOINT_PID; else pid=${E2E_AIND_PIDS[$n]}; fi
    # e2e_bg starts the daemon itself (exec), so the pid is the daemon's.
    grep -q -E '^Name:\s+(aind|ain-endpoint)' "/proc/$pid/status" ||
      { e2e_log "  FAIL pid $pid is not the daemon: $(grep ^Name "/proc/$pid/status")"; f=$((f + 1)); continue; }
    for task in /proc/"$pid"/task/*; do
      st=$(awk '/^(CapEff|CapPrm|CapInh|CapBnd|CapAmb|NoNewPrivs):/ { printf "%s%s ", $1, $2 }' "$task/status")
      if [ "$st" != "CapInh:0000000000000000 CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000000000 CapAmb:0000000000000000 NoNewPrivs:1 " ]; then
        e2e_log "  FAIL ${n} (pid $pid, task ${task##*/}): $st"
        f=$((f + 1))
      fi
    done
    e2e_log "  ok   $([ "$n" = endpoint ] && echo ain-endpoint || echo "ain$n") pid $pid ($(ls /proc/"$pid"/task | wc -l) threads): no capability, NoNewPrivs 1, uid $(awk '/^Uid:/ {print $2}' "/proc/$pid/status")"
  done
  [ "$(awk '/^Uid:/ {print $2}' "/proc/${E2E_AIND_PIDS[2]}/status")" = "$(id -u nobody)" ] ||
    { e2e_log "  FAIL ain2 does not run as nobody"; f=$((f + 1)); }
  grep -q "privileges dropped: no capabilities, empty bounding set, running as nobody" "$E2E_DIR"/log/aind-ain2-*.log ||
    { e2e_log "  FAIL ain2's log does not say it dropped to nobody"; f=$((f + 1)); }
  # Traffic through every role after the drop, over ain2 as relay.
  e2e_ainctl ain1 ant create --customer 10 --src "$GEN_INNER4" --dst "$E2E_RESPONDER4" --route 1,2,3 >/dev/null ||
    { e2e_log "  FAIL ainctl ant create --route 1,2,3"; f=$((f + 1)); }
  e2e_wait_for 10 e2e_ainctl_json ain1 ants 'any(a["up"] and a["route"] == [1, 2, 3] for a in r["ants"])' >/dev/null ||
    { e2e_log "  FAIL no ANT over ain2 came up"; f=$((f + 1)); }
  e2e_check_ping "$E2E_RESPONDER4" 5 || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER4" index.html || f=$((f + 1))
  [ $f -eq 0 ]
}

# A key file group or others can read stops aind with file:line: field; the
# same file at mode 600 is accepted. (gen_configs.py writes onion.key.)
test_ops_key_file_mode_refused() {
  e2e_need_aind
  e2e_init
  e2e_ant_gen ip 4 1 || return 1
  local conf="$E2E_DIR/conf/ain1" line out
  line=$(grep -n '^onion_key_file' "$conf/aind.toml" | cut -d: -f1)
  [ -n "$line" ] || { e2e_log "the generated config has no onion_key_file"; return 1; }
  chmod 600 "$conf/onion.key"
  out=$("$E2E_AIND" --config "$conf/aind.toml" --check 2>&1) || { e2e_log "  FAIL mode 600 refused: $out"; return 1; }
  chmod 644 "$conf/onion.key"
  if out=$("$E2E_AIND" --config "$conf/aind.toml" --check 2>&1); then
    e2e_log "  FAIL a key file readable by others was accepted"
    return 1
  fi
  local want="aind: $conf/aind.toml:$line: node.onion_key_file: \"$conf/onion.key\" is readable by group or others (mode 0644): chmod 600 it"
  [ "$out" = "$want" ] || { e2e_log "  FAIL got: $out"; e2e_log "       want: $want"; return 1; }
  e2e_log "  ok   $out"
}

# `ainctl tvts` along the live ANT: each AIN's "next" row and the following
# AIN's "prev" row are the two ends of one TVT, so the SPIs agree across the
# hop with the right labels (out fwd = in fwd, in bwd = out bwd).
test_ops_tvt_rows_agree_across_hops() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  _ops_network ip "" || return 1
  e2e_apps_start 0 || return 1
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  ANT_ROUTE=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  local f=0 a b hop
  local -a r
  read -r -a r <<<"$ANT_ROUTE"
  for ((hop = 0; hop + 1 < ${#r[@]}; hop++)); do
    a=${r[$hop]} b=${r[$((hop + 1))]}
    e2e_ainctl "ain$a" tvts >&2
    local na nb
    na=$(e2e_ainctl_json "ain$a" tvts 'json.dumps(next(t for t in r["tvts"] if t["link"] == "next" and t["peer"] == '"$b"'))') ||
      { e2e_log "  FAIL ain$a has no next row to ain$b"; f=$((f + 1)); continue; }
    nb=$(e2e_ainctl_json "ain$b" tvts 'json.dumps(next(t for t in r["tvts"] if t["link"] == "prev" and t["peer"] == '"$a"'))') ||
      { e2e_log "  FAIL ain$b has no prev row to ain$a"; f=$((f + 1)); continue; }
    "$E2E_PY" - "$na" "$nb" <<'EOF' || f=$((f + 1))
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ok = (a["spi_out_cells"], a["spi_in_cells"], b["spi_in_cells"], b["spi_out_cells"]) == ("fwd", "bwd", "fwd", "bwd") \
    and a["spi_out"] == b["spi_in"] and a["spi_in"] == b["spi_out"] \
    and a["packets_out"] == b["packets_in"] and a["direction"] == "fwd" and b["direction"] == "bwd"
print(("  ok  " if ok else "  FAIL") + f" TVT {a['ant']}@{a['peer']}: next out fwd {a['spi_out']:#x} = prev in fwd {b['spi_in']:#x}; "
      f"next in bwd {a['spi_in']:#x} = prev out bwd {b['spi_out']:#x}; cells {a['packets_out']} -> {b['packets_in']}", file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
  done
  # The human-readable table of the relay names both links.
  local relay=${r[1]} out
  out=$(e2e_ainctl "ain$relay" tvts)
  grep -q "prev ain${r[0]} (entrance side) *fwd 0x" <<<"$out" && grep -q "next ain${r[2]} (exit side) *bwd 0x" <<<"$out" ||
    { e2e_log "  FAIL ain$relay's tvts table does not label its links: $out"; f=$((f + 1)); }
  [ $f -eq 0 ]
}

# A NAT in front of ain2 (udp carrier) rewrites its source port 4500 towards
# ain1 into 41000-41009: ain1 learns the mapped port from ain2's
# authenticated packets and `ainctl pvts` shows it as learned; the PVT stays up.
# As a real NAT does, it drops what arrives for port 4500 from ain1 without a
# mapping (ct state new), so the mapping is always made by ain2's packets.
_ops_nat_ain2() {
  e2e_nsx ain2 nft -f - <<'EOF'
table ip ainet_e2e_ops_nat {
  chain napt_out {
    type nat hook postrouting priority srcnat; policy accept;
    oifname "ain1" ip saddr 10.200.0.2 ip daddr 10.200.0.1 udp sport 4500 snat to 10.200.0.2:41000-41009
  }
  chain unmapped_in {
    type filter hook input priority filter; policy accept;
    iifname "ain1" udp dport 4500 ct state new drop
  }
}
EOF
}
test_ops_pvts_show_learned_nat_port() {
  e2e_need_aind
  e2e_init
  e2e_topology || return 1
  _ops_nat_ain2 || { e2e_log "nft rules for the NAT failed"; return 1; }
  _ops_network udp "" || return 1
  local f=0 port out
  e2e_wait_for 10 e2e_ainctl_json ain1 pvts 'next(p for p in r["pvts"] if p["peer"] == 2)["udp_port"] != 4500' >/dev/null
  # A port counts as learned once an authenticated packet came from it: wait
  # for ain4's first keepalive too (PVTs start up before anything is heard).
  e2e_wait_for 10 e2e_ainctl_json ain1 pvts 'next(p for p in r["pvts"] if p["peer"] == 4)["udp_port_learned"] is True' >/dev/null
  port=$(e2e_ainctl_json ain1 pvts 'next(p for p in r["pvts"] if p["peer"] == 2)["udp_port"]')
  out=$(e2e_ainctl ain1 pvts)
  echo "$out" >&2
  if [ "${port:-0}" -ge 41000 ] && [ "${port:-0}" -le 41009 ] &&
     e2e_ainctl_json ain1 pvts 'next(p for p in r["pvts"] if p["peer"] == 2)["udp_port_learned"] is True' >/dev/null &&
     grep -q "^2 .* $port (learned) *yes" <<<"$out"; then
    e2e_log "  ok   ain1 sends to ain2 at its NAT-mapped port $port (learned), PVT up"
  else
    e2e_log "  FAIL ain1's view of ain2's port: ${port:-none}"
    f=$((f + 1))
  fi
  # ain4 is not behind a NAT: its port is 4500, learned from its packets.
  grep -q "^4 .* 4500 (learned) *yes" <<<"$out" || { e2e_log "  FAIL ain4's row"; f=$((f + 1)); }
  # ain2 itself sees ain1 at 4500 (the NAT is on its own side).
  e2e_ainctl_json ain2 pvts 'next(p for p in r["pvts"] if p["peer"] == 1)["udp_port"] == 4500' >/dev/null ||
    { e2e_log "  FAIL ain2's view of ain1's port"; f=$((f + 1)); }
  [ $f -eq 0 ]
}

# The endpoint forgets a pair idle for flow_idle_timeout (here 3 s): listed
# after a ping, gone and counted as expired a few seconds later, back with
# the next ping.
_ops_flow_idle_config() {
  sed -i 's/^\[endpoint\]$/[endpoint]\nflow_idle_timeout = "3s"/' "$E2E_DIR/conf/initiator/endpoint.toml"
  grep -q '^flow_idle_timeout = "3s"' "$E2E_DIR/conf/initiator/endpoint.toml"
}
_ops_endpoint_json() {
  "$E2E_AINCTL" --socket "$E2E_DIR/conf/initiator/endpoint.sock" --json status 2>/dev/null |
    "$E2E_PY" -c "import json,sys; r=json.load(sys.stdin); v=($1); print(v); sys.exit(0 if v not in (False, None) else 1)"
}
test_ops_endpoint_flows_age_out() {
  e2e_need_aind
  [ -x "$(dirname "$E2E_AIND")/ain-endpoint" ] || { echo "SKIP: ain-endpoint not built"; exit 77; }
  e2e_init
  e2e_topology || return 1
  _ops_network ip _ops_flow_idle_config || return 1
  e2e_apps_start 0 || return 1
  local f=0
  e2e_check_ping "$E2E_RESPONDER4" 2 || return 1
  _ops_endpoint_json 'any(x["dst"] == "'"$E2E_RESPONDER4"'" for x in r["flows"])' >/dev/null ||
    { e2e_log "  FAIL the flow is not listed after the ping"; f=$((f + 1)); }
  if e2e_wait_for 10 _ops_endpoint_json 'len(r["flows"]) == 0 and r["flows_expired"] >= 1' >/dev/null; then
    e2e_log "  ok   the idle pair aged out: $(_ops_endpoint_json '(len(r["flows"]), r["flows_expired"])')"
  else
    e2e_log "  FAIL the idle pair is still listed: $(_ops_endpoint_json 'r["flows"], r["flows_expired"]')"
    f=$((f + 1))
  fi
  e2e_check_ping "$E2E_RESPONDER4" 2 || f=$((f + 1))
  _ops_endpoint_json 'any(x["dst"] == "'"$E2E_RESPONDER4"'" for x in r["flows"])' >/dev/null ||
    { e2e_log "  FAIL the pair did not come back with the next ping"; f=$((f + 1)); }
  [ $f -eq 0 ]
}

# The environment aind@.service gives aind, as far as it can be made without
# systemd: the bounding set CAP_NET_ADMIN CAP_NET_RAW CAP_NET_BIND_SERVICE,
# no inheritable capabilities and no_new_privs (setpriv). ain2 starts so,
# opens its raw sockets, drops what it holds (it cannot clear a bounding set
# without CAP_SETPCAP, and says so), and relays an ANT pinned through it.
test_ops_runs_in_the_units_capability_set() {
  e2e_need_aind
  command -v setpriv >/dev/null || { echo "SKIP: no setpriv (util-linux)"; exit 77; }
  e2e_init
  e2e_topology || return 1
  OPS_AIND_WRAP[2]="setpriv --bounding-set=-all,+net_admin,+net_raw,+net_bind_service --inh-caps=-all --no-new-privs"
  _ops_network ip "" || return 1
  e2e_apps_start 0 || return 1
  local f=0 pid=${E2E_AIND_PIDS[2]} st
  st=$(awk '/^(CapEff|CapPrm|CapBnd|NoNewPrivs):/ { printf "%s%s ", $1, $2 }' "/proc/$pid/status")
  # CAP_NET_BIND_SERVICE 10, CAP_NET_ADMIN 12, CAP_NET_RAW 13: 0x3400.
  [ "$st" = "CapPrm:0000000000000000 CapEff:0000000000000000 CapBnd:0000000000003400 NoNewPrivs:1 " ] &&
    e2e_log "  ok   ain2 under the unit's bounding set: $st" || { e2e_log "  FAIL ain2: $st"; f=$((f + 1)); }
  grep -q "privileges dropped: no capabilities (bounding set left to the service manager), uid 0" "$E2E_DIR"/log/aind-ain2-*.log ||
    { e2e_log "  FAIL ain2's log: $(grep -h privileges "$E2E_DIR"/log/aind-ain2-*.log)"; f=$((f + 1)); }
  e2e_ainctl ain1 ant create --customer 10 --src "$GEN_INNER4" --dst "$E2E_RESPONDER4" --route 1,2,3 >/dev/null ||
    { e2e_log "  FAIL ainctl ant create --route 1,2,3"; f=$((f + 1)); }
  e2e_wait_for 10 e2e_ainctl_json ain1 ants 'any(a["up"] and a["route"] == [1, 2, 3] for a in r["ants"])' >/dev/null ||
    { e2e_log "  FAIL no ANT over ain2 came up"; f=$((f + 1)); }
  e2e_check_ping "$E2E_RESPONDER4" 5 || f=$((f + 1))
  e2e_check_http "$E2E_RESPONDER4" index.html || f=$((f + 1))
  [ $f -eq 0 ]
}
