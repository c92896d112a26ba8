# shellcheck shell=bash
# tests/e2e/apps.sh: real applications across the topology (lib.sh). Servers
# run in the responder namespace; each check runs its client in the initiator
# namespace, is bounded in time, prints one line and returns non-zero on
# failure. Targets default to the responder's link addresses; an ANT test may
# pass others.

# e2e_apps_start: HTTP (8080), HTTPS (8443, self-signed), iperf3 (5201) and
# DNS (53/udp) in the responder; files in $E2E_DIR/www (index.html, 1m.bin;
# pass a size in MB to also make big.bin).
e2e_apps_start() {
  local big=${1:-0}
  mkdir -p "$E2E_DIR/www" "$E2E_DIR/tls"
  echo "<html><body>ainet e2e responder $$</body></html>" >"$E2E_DIR/www/index.html"
  e2e_mkfile "$E2E_DIR/www/1m.bin" 1
  [ "$big" -gt 0 ] && e2e_mkfile "$E2E_DIR/www/big.bin" "$big"
  e2e_selfsigned "$E2E_DIR/tls" || { e2e_log "openssl failed"; return 1; }
  e2e_http_server responder 8080 "$E2E_DIR/www" || { e2e_log "http server did not start"; return 1; }
  e2e_http_server responder 8443 "$E2E_DIR/www" "$E2E_DIR/tls/cert.pem" "$E2E_DIR/tls/key.pem" ||
    { e2e_log "https server did not start"; return 1; }
  e2e_iperf_server responder || { e2e_log "iperf3 server did not start"; return 1; }
  e2e_dns_server responder || { e2e_log "dns server did not start"; return 1; }
}

_e2e_result() { # NAME RC DETAIL
  if [ "$2" -eq 0 ]; then e2e_log "  ok   $1 $3"; else e2e_log "  FAIL $1 $3"; fi
  return "$2"
}

_e2e_url_host() { case $1 in *:*) echo "[$1]" ;; *) echo "$1" ;; esac; }

# e2e_check_ping DST [COUNT]: COUNT (default 5) echo requests, all answered.
e2e_check_ping() {
  local dst=$1 c=${2:-5} out rc
  out=$(e2e_nsx initiator timeout 20 ping -n -c "$c" -i 0.2 -W 2 "$dst" 2>&1)
  rc=$?
  _e2e_result "ping $dst" "$rc" "$(echo "$out" | grep -E 'packets transmitted|rtt' | tr '\n' ' ')"
}

# e2e_check_http DST FILE [http|https [MAX_SECONDS]]: fetch FILE, compare
# with the served bytes; curl gives up after MAX_SECONDS (default 120).
e2e_check_http() {
  local dst=$1 file=$2 scheme=${3:-http} max=${4:-120} port=8080 got rc
  local -a tls=()
  [ "$scheme" = https ] && { port=8443; tls=(--cacert "$E2E_DIR/tls/cert.pem"); }
  got="$E2E_DIR/got-$scheme-$file"
  rm -f "$got"
  e2e_nsx initiator curl -sS --fail --max-time "$max" --connect-timeout 10 "${tls[@]}" \
    -o "$got" "$scheme://$(_e2e_url_host "$dst"):$port/$file" 2>"$E2E_DIR/log/curl.err"
  rc=$?
  [ $rc -eq 0 ] && { cmp -s "$got" "$E2E_DIR/www/$file" || rc=99; }
  _e2e_result "curl $scheme://$dst/$file" "$rc" "$( [ $rc -eq 0 ] && echo "($(stat -c %s "$got") bytes, identical)" || head -c 200 "$E2E_DIR/log/curl.err")"
  rm -f "$got"
  return $rc
}

# e2e_iperf DST tcp|udp SECONDS [extra iperf3 args...]: prints the receiver's
# bits/s (for udp: "bits/s lost_percent", both as the server saw them);
# non-zero if iperf3 failed.
e2e_iperf() {
  local dst=$1 proto=$2 t=$3 json
  shift 3
  local -a args=(-c "$dst" -p 5201 -t "$t" -J --connect-timeout 5000)
  [ "$proto" = udp ] && args+=(-u)
  json=$(e2e_nsx initiator timeout $((t + 20)) iperf3 "${args[@]}" "$@" 2>/dev/null) || return 1
  "$E2E_PY" -c '
import json, sys
d = json.loads(sys.stdin.read())
if "error" in d: sys.exit(1)
e = d["end"]
if sys.argv[1] == "tcp":
    print(int(e["sum_received"]["bits_per_second"]))
else:
    # The receiver view (iperf3 3.12: sum_received); "sum" is the sender rate.
    s = e.get("sum_received", e["sum"])
    print(int(s["bits_per_second"]), s.get("lost_percent", e["sum"].get("lost_percent", 0)))
' "$proto" <<<"$json"
}

# e2e_check_iperf DST tcp|udp: 3 s run; TCP must move data, UDP (1400-byte
# datagrams at $AINET_E2E_UDP_RATE, default 20M) must lose less than 20 %.
e2e_check_iperf() {
  local dst=$1 proto=$2 out rc=0 bps loss
  if [ "$proto" = tcp ]; then
    out=$(e2e_iperf "$dst" tcp 3) || rc=1
    [ $rc -eq 0 ] && [ "${out:-0}" -gt 0 ] || rc=1
    _e2e_result "iperf3 tcp $dst" $rc "$(awk '{printf "%.1f Mbit/s", $1/1e6}' <<<"${out:-0}")"
  else
    out=$(e2e_iperf "$dst" udp 3 -b "${AINET_E2E_UDP_RATE:-20M}" -l 1400) || rc=1
    read -r bps loss <<<"${out:-0 100}"
    [ $rc -eq 0 ] && awk -v l="$loss" 'BEGIN{exit !(l < 20)}' || rc=1
    _e2e_result "iperf3 udp $dst" $rc "$(awk -v b="$bps" -v l="$loss" 'BEGIN{printf "%.1f Mbit/s, %.2f%% lost", b/1e6, l}')"
  fi
}

# e2e_check_dns DST: an A query over UDP to the responder's DNS server.
e2e_check_dns() {
  local dst=$1 out rc=0
  out=$(e2e_nsx initiator dig +notcp +time=2 +tries=3 +short -p 53 @"$dst" www.ainet.test A 2>&1) || rc=1
  [ "$out" = 192.0.2.53 ] || rc=1
  _e2e_result "dns $dst www.ainet.test A" $rc "-> $out"
}

# e2e_check_all_apps V4 V6: every application check; returns the failure count.
e2e_check_all_apps() {
  local v4=$1 v6=$2 f=0
  e2e_check_ping "$v4" || f=$((f + 1))
  e2e_check_ping "$v6" || f=$((f + 1))
  e2e_check_http "$v4" index.html || f=$((f + 1))
  e2e_check_http "$v6" 1m.bin || f=$((f + 1))
  e2e_check_http "$v4" 1m.bin https || f=$((f + 1))
  e2e_check_http "$v6" index.html https || f=$((f + 1))
  e2e_check_iperf "$v4" tcp || f=$((f + 1))
  e2e_check_iperf "$v4" udp || f=$((f + 1))
  e2e_check_dns "$v4" || f=$((f + 1))
  e2e_check_dns "$v6" || f=$((f + 1))
  return $f
}
