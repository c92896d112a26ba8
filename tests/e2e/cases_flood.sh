# shellcheck shell=bash
# Issue 10, "Under load, nothing breaks": a garbage flood on an inter-AIN
# link (tests/e2e/flood.sh) while a TCP transfer runs through the ANT.
# bench/flood runs the long version and reports the throughput ratio.
# shellcheck source=tests/e2e/flood.sh
source "$E2E_LIB_DIR/flood.sh"

# While iperf3 moves TCP data through the 3-hop ANT for 10 s, garbage_flood
# sends garbage at the middle AIN on the ain1 link for 6 s, as fast as it
# can (bounded at 5,000,000 packets). The transfer keeps working (every
# 1-second interval moves data, the ANT is still up afterwards and a ping
# goes through) and the accounting of flood_account.py is exact: every
# garbage packet sent is in aind's drop counters or in the kernel's own
# (veth, raw-socket, UDP) counters, and every packet aind read was either
# authentic or counted as a drop.
_flood_garbage_counted() {
  e2e_need_aind
  e2e_need_flood
  flood_up "$1" || return 1
  local before="$E2E_DIR/before.json" after="$E2E_DIR/after.json" fl="$E2E_DIR/flood.json"
  local ip="$E2E_DIR/iperf.json" ipid fpid
  flood_snapshot "$before" || { e2e_log "counters did not settle before the flood"; return 1; }
  flood_iperf 10 "$ip" &
  ipid=$!
  sleep 2
  flood_start 6 5000000 "$fl" || return 1
  fpid=$E2E_LAST_PID
  wait "$fpid" || { e2e_log "garbage_flood failed: $(cat "$fl.err")"; return 1; }
  wait "$ipid" || { e2e_log "iperf3 failed during the flood"; head -c 2000 "$ip" >&2; return 1; }
  e2e_log "flood: $(cat "$fl")"
  e2e_log "iperf3: $(flood_mbps "$ip") Mbit/s overall; before the flood $(flood_mbps "$ip" 0 2) Mbit/s," \
    "during it $(flood_mbps "$ip" 3 8) Mbit/s"
  "$E2E_PY" - "$ip" <<'PY' || { e2e_log "the transfer stalled during the flood"; return 1; }
import json, sys
iv = [i["sum"] for i in json.load(open(sys.argv[1]))["intervals"]]
stalled = [round(i["start"]) for i in iv if i["bytes"] == 0]
print("intervals without data:", stalled or "none")
sys.exit(1 if stalled or len(iv) < 9 else 0)
PY
  # The kernel's drops must be in the accounting too: with the flooded
  # aind stopped (SIGSTOP) for 1.5 s, a second flood overflows its carrier
  # socket (4 MiB buffer), and the kernel counts what it drops there.
  local mid_pid=${E2E_AIND_PIDS[$FLOOD_MID]}
  kill -STOP "$mid_pid"
  flood_start 1.5 1000000 "$fl.2" || { kill -CONT "$mid_pid"; return 1; }
  wait "$E2E_LAST_PID"
  kill -CONT "$mid_pid"
  e2e_log "flood while ain$FLOOD_MID was stopped: $(cat "$fl.2")"
  sleep 2  # everything in flight has arrived
  flood_snapshot "$after" || { e2e_log "counters did not settle after the flood"; return 1; }
  "$E2E_PY" "$E2E_FLOOD_ACCOUNT" check "$before" "$after" "$fl" "$fl.2" >&2 ||
    { e2e_log "the garbage accounting is not exact"; return 1; }
  e2e_log "  ok   every garbage packet is counted (aind drops or the kernel's own)"
  e2e_ainctl_json ain1 ants 'any(a["up"] and a["role"] == "entrance" for a in r["ants"])' >/dev/null ||
    { e2e_log "the ANT is gone after the flood"; return 1; }
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_log "  ok   the ANT is up and carries traffic after the flood"
}

test_flood_garbage_counted() { _flood_garbage_counted ip; }
# The udp carrier: UDP to aind's port 4500 only (ESP-in-UDP with random and
# real SPIs, cut short); the carrier socket's drops are /proc/net/udp's.
test_flood_garbage_counted_udp() { _flood_garbage_counted udp; }
