# shellcheck shell=bash
# The per-ANT TVT keys aind exports (list_sas, docs/pcap.md) open the real
# captures with an independent IPsec implementation (scapy), on both carriers:
# every TVT packet on the ANT's links verifies, nothing fails, and a key one
# bit off fails. This is what lets an outsider check what ainet put on the
# wire without trusting ainet's own code. Both TVT MACs ([network]
# tvt_integrity): AES-256-GMAC (the default; checked with the `cryptography`
# package's AES-GCM, since scapy has no GMAC) and HMAC-SHA-256-128 (scapy,
# and Python's hmac for ESP-NULL with ESN).

# _pcap_live CARRIER [AUTH]: AUTH is the sa.txt name every TVT line must carry.
_pcap_live() {
  local want_auth=${2:-aes-gmac-256}
  e2e_need_aind
  e2e_init
  # Captures are only taken with AINET_PCAP_DIR: use the run's, or our own.
  [ -n "${AINET_PCAP_DIR:-}" ] || export AINET_PCAP_DIR="$E2E_DIR/pcap"
  e2e_topology || return 1
  e2e_ant_network "$1" 4 1 || return 1
  e2e_apps_start || return 1
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  local route
  route=$(e2e_ant_route) || { e2e_log "ain1 lists no live ANT"; return 1; }
  e2e_ant_dump_sas || return 1
  # Stop the captures so every packet is on disk before reading.
  local p
  for p in "${E2E_CAPTURE_PIDS[@]}"; do e2e_stop "$p" 5; done
  local d=$AINET_PCAP_DIR
  grep ' kind=tvt ' "$d/sa.txt" >"$d/tvt.txt"
  local n_tvt
  n_tvt=$(wc -l <"$d/tvt.txt")
  # One ANT per inner pair: the ping/curl ANT has 2 links x 2 directions.
  [ "$n_tvt" -ge 4 ] || { e2e_log "only $n_tvt TVT SAs listed"; cat "$d/sa.txt" >&2; return 1; }
  grep -q ' esn=yes seq=' "$d/tvt.txt" || { e2e_log "TVT lines lack esn/seq"; return 1; }
  if grep -v -q " auth=$want_auth " "$d/tvt.txt"; then
    e2e_log "TVT lines with a MAC other than $want_auth"; cat "$d/tvt.txt" >&2; return 1
  fi
  local -a hop
  read -r -a hop <<<"$route"
  local i a b link out opened failed
  for ((i = 0; i + 1 < ${#hop[@]}; i++)); do
    a=ain${hop[i]} b=ain${hop[i + 1]}
    link=$a-$b
    [ -f "$d/$link.pcap" ] || link=$b-$a
    # Every SA the pcap holds (PVT, customer and TVT lines): nothing may fail.
    out=$("$E2E_PY" "$E2E_SA_TOOL" scapy "$d/sa.txt" "$d/$link.pcap" 2>"$E2E_DIR/log/scapy-$link.err") ||
      { e2e_log "$link: scapy refused packets: $out $(head -c 600 "$E2E_DIR/log/scapy-$link.err")"; return 1; }
    [[ $out =~ ^opened\ ([0-9]+),\ failed\ ([0-9]+),\ unknown\ spi\ ([0-9]+)$ ]] || { e2e_log "$link: $out"; return 1; }
    [ "${BASH_REMATCH[3]}" -eq 0 ] || { e2e_log "$link: ${BASH_REMATCH[3]} packets with an SPI sa.txt lacks"; return 1; }
    # The TVT lines alone open the cells of the ping and the 1 MB curl.
    out=$("$E2E_PY" "$E2E_SA_TOOL" scapy "$d/tvt.txt" "$d/$link.pcap" 2>/dev/null)
    [[ $out =~ ^opened\ ([0-9]+),\ failed\ ([0-9]+) ]] || { e2e_log "$link: $out"; return 1; }
    opened=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
    [ "$failed" -eq 0 ] && [ "$opened" -ge 100 ] ||
      { e2e_log "$link: TVT keys opened $opened cells, $failed failed (expected >= 100, 0)"; return 1; }
    e2e_log "  ok   $link ($1 carrier, $want_auth): independently verified $opened TVT cells with the exported keys, 0 failed, no unknown SPI"
  done
  # A wrong key must fail: flip one hex digit of every TVT auth key.
  "$E2E_PY" - "$d/tvt.txt" "$d/tvt-wrong.txt" <<'PY' || return 1
import sys
out = []
for line in open(sys.argv[1]):
    f = line.split()
    for i, kv in enumerate(f):
        if kv.startswith("auth_key="):
            k = kv[len("auth_key="):]
            f[i] = "auth_key=" + ("1" if k[0] == "0" else "0") + k[1:]
    out.append(" ".join(f))
open(sys.argv[2], "w").write("\n".join(out) + "\n")
PY
  a=ain${hop[0]} b=ain${hop[1]}
  link=$a-$b
  [ -f "$d/$link.pcap" ] || link=$b-$a
  if "$E2E_PY" "$E2E_SA_TOOL" scapy "$d/tvt-wrong.txt" "$d/$link.pcap" >/dev/null 2>&1; then
    e2e_log "$link: scapy accepted cells under wrong TVT keys"; return 1
  fi
  e2e_log "  ok   wrong TVT keys fail"
}

test_pcap_tvt_keys_ip() { _pcap_live ip; }
test_pcap_tvt_keys_udp() { _pcap_live udp; }
test_pcap_tvt_keys_hmac_ip() {
  export AINET_E2E_TVT_INTEGRITY=hmac-sha256-128
  _pcap_live ip hmac-sha256-128
}
test_pcap_tvt_keys_hmac_udp() {
  export AINET_E2E_TVT_INTEGRITY=hmac-sha256-128
  _pcap_live udp hmac-sha256-128
}
