# shellcheck shell=bash
# Self-tests of the namespace harness (lib.sh); need neither aind nor a
# build. Each test_* function runs in its own process (case.sh).

# Cleanup removes namespaces and kills processes even when the test body
# fails half-way (the subshell exits non-zero with everything still up).
test_harness_cleanup_on_failure() {
  local out prefix pid
  out=$(AINET_E2E_RUN="${AINET_E2E_RUN:-ainet}-inner" bash -c '
    source "'"$E2E_LIB_DIR"'/lib.sh"
    e2e_init
    e2e_ns_add a b
    e2e_link a b 1
    e2e_bg b sleeper sleep 300
    echo "$E2E_PREFIX $E2E_LAST_PID"
    false || exit 3   # the test "fails" with everything up
  ')
  local rc=$?
  read -r prefix pid <<<"$out"
  [ $rc -eq 3 ] || { e2e_log "inner script exited $rc, wanted 3"; return 1; }
  [ -n "$prefix" ] && [ -n "$pid" ] || { e2e_log "inner script printed '$out'"; return 1; }
  if ip netns list | grep -qF "$prefix"; then e2e_log "namespaces $prefix* left behind"; return 1; fi
  if kill -0 "$pid" 2>/dev/null; then e2e_log "process $pid left behind"; return 1; fi
  e2e_log "  ok   namespaces $prefix* and process $pid gone after a failing script"
}

# SIGTERM in the middle (as timeout(1) sends) also cleans up.
test_harness_cleanup_on_sigterm() {
  local prefix_file
  prefix_file=$(mktemp)
  : >"$prefix_file"
  AINET_E2E_RUN="${AINET_E2E_RUN:-ainet}-inner" bash -c '
    source "'"$E2E_LIB_DIR"'/lib.sh"
    e2e_init
    e2e_ns_add a
    echo "$E2E_PREFIX" >"'"$prefix_file"'"
    sleep 60 & wait
  ' &
  local pid=$!
  e2e_wait_for 10 test -s "$prefix_file" || { e2e_log "inner script did not start"; kill -KILL $pid; return 1; }
  local prefix
  prefix=$(cat "$prefix_file")
  rm -f "$prefix_file"
  ip netns list | grep -qF "$prefix" || { e2e_log "namespace not created"; return 1; }
  kill -TERM $pid
  wait $pid
  local rc=$?
  [ $rc -eq 143 ] || { e2e_log "inner exit $rc, wanted 143"; return 1; }
  if ip netns list | grep -qF "$prefix"; then e2e_log "namespace $prefix left behind"; return 1; fi
  e2e_log "  ok   SIGTERM removed $prefix*"
}

# e2e_wait_for gives up after its timeout, and succeeds as soon as it can.
test_harness_wait_for_bounded() {
  local t0 t1
  t0=$(date +%s%N)
  if e2e_wait_for 1 false; then e2e_log "wait_for false succeeded"; return 1; fi
  t1=$(date +%s%N)
  local ms=$(((t1 - t0) / 1000000))
  [ $ms -ge 900 ] && [ $ms -lt 3000 ] || { e2e_log "wait_for 1 took $ms ms"; return 1; }
  e2e_wait_for 5 true || return 1
  e2e_log "  ok   wait_for 1 false gave up after $ms ms"
}

# Two linked namespaces reach each other over v4 and v6 and nowhere else;
# with AINET_PCAP_DIR set the link is captured with the packets in it.
test_harness_link_and_capture() {
  e2e_init
  local pcap=$E2E_DIR/pcap
  AINET_PCAP_DIR=$pcap
  e2e_ns_add a b || return 1
  e2e_link a b 7 || return 1
  e2e_nsx a ping -n -c 2 -i 0.2 -W 2 10.200.7.2 >/dev/null || { e2e_log "v4 ping failed"; return 1; }
  e2e_nsx a ping -n -c 2 -i 0.2 -W 2 fd00:200:0:7::2 >/dev/null || { e2e_log "v6 ping failed"; return 1; }
  if e2e_nsx a ping -n -c 1 -W 1 10.200.8.2 >/dev/null 2>&1; then e2e_log "reached an unrouted address"; return 1; fi
  sleep 0.5
  kill -INT "${E2E_CAPTURE_PIDS[@]}"
  local pid
  for pid in "${E2E_CAPTURE_PIDS[@]}"; do e2e_stop "$pid" 5; done
  E2E_CAPTURE_PIDS=()
  local n
  n=$(tshark -r "$pcap/a-b.pcap" -Y 'icmp.type == 8 || icmpv6.type == 128' 2>/dev/null | wc -l)
  [ "$n" -ge 4 ] || { e2e_log "capture holds $n echo requests, wanted >= 4"; return 1; }
  [ "$(head -c 4 "$pcap/a-b.pcap" | od -An -tx1 | tr -d ' ')" = d4c3b2a1 ] || { e2e_log "not a classic pcap"; return 1; }
  e2e_log "  ok   a-b.pcap holds $n echo requests (classic pcap)"
}

# The nftables loss rule drops about the asked share, inside the namespace
# only (the root ruleset is untouched).
test_harness_nft_loss() {
  e2e_init
  local before after
  before=$(nft list ruleset | md5sum)
  e2e_ns_add a b || return 1
  e2e_link a b 7 || return 1
  e2e_nft_drop a b 50 || return 1
  e2e_nsx a ping -n -q -c 200 -i 0.005 -W 1 10.200.7.2 >/dev/null 2>&1
  local d
  d=$(e2e_nft_drop_count a)
  after=$(nft list ruleset | md5sum)
  [ "$before" = "$after" ] || { e2e_log "root ruleset changed"; return 1; }
  [ "${d:-0}" -ge 60 ] && [ "${d:-0}" -le 140 ] || { e2e_log "dropped ${d:-?} of 200 at 50%"; return 1; }
  e2e_log "  ok   50% rule dropped $d of 200 echo requests"
}

# run.sh's final leak check fails the run when a namespace or a process of
# the run is left behind (and removes them).
test_harness_leak_check_fires() {
  local out rc
  out=$(AINET_E2E_LEAK_PROBE=1 bash "$E2E_LIB_DIR/run.sh" harness_wait_for_bounded 2>&1)
  rc=$?
  [ $rc -ne 0 ] || { e2e_log "run.sh passed with a leak"; return 1; }
  grep -q 'LEAK: namespace .*-probe' <<<"$out" || { e2e_log "namespace leak not reported: $out"; return 1; }
  grep -q 'LEAK: process .*sleep 300' <<<"$out" || { e2e_log "process leak not reported: $out"; return 1; }
  if ip netns list | grep -q -- '-probe'; then e2e_log "probe namespace not removed"; return 1; fi
  e2e_log "  ok   leak check reported and removed the probe namespace and process"
}

# sa.txt (docs/pcap.md) drives tshark's ESP decryption and scapy: packets
# sealed by scapy (ESP AES-256-GCM tunnel, AH HMAC-SHA-256-128, ESP in UDP
# 4500) into a pcap, sa.txt written for them, sa_tool.py opens all of them;
# a wrong key makes both fail.
test_pcap_sa_txt_tshark_and_scapy() {
  e2e_init
  local d=$E2E_DIR/pcap o n
  mkdir -p "$d"
  "$E2E_PY" - "$d" <<'PY' || return 1
import os, sys
from scapy.all import wrpcap, Ether
from scapy.layers.inet import IP, ICMP, UDP
from scapy.layers.ipsec import ESP, AH, SecurityAssociation
d = sys.argv[1]
ek, ak, uk = os.urandom(36), os.urandom(32), os.urandom(36)
th = IP(src="10.200.0.1", dst="10.200.0.2")
esp = SecurityAssociation(ESP, spi=0x10201, crypt_algo="AES-GCM", crypt_key=ek, tunnel_header=th)
ah = SecurityAssociation(AH, spi=0x10202, auth_algo="SHA2-256-128", auth_key=ak, tunnel_header=th)
udp = SecurityAssociation(ESP, spi=0x20101, crypt_algo="AES-GCM", crypt_key=uk,
                          tunnel_header=IP(src="10.200.0.2", dst="10.200.0.1"), nat_t_header=UDP(sport=4500, dport=4500))
inner = IP(src="10.99.0.5", dst="10.200.4.2") / ICMP() / b"ainet"
u = udp.encrypt(inner)
del u[UDP].len, u[UDP].chksum, u[IP].len, u[IP].chksum  # scapy leaves the NAT-T UDP length at 8
wrpcap(d + "/ain1-ain2.pcap", [Ether() / esp.encrypt(inner), Ether() / ah.encrypt(inner), Ether() / IP(bytes(u))])
line = "sa kind=pvt link=ain1-ain2 proto={} src={} dst={} spi=0x{:08x} encap={} enc={} enc_key={} auth={} auth_key={}\n"
with open(d + "/sa.txt", "w") as f:
    f.write("# ainet sa.txt v1\n")
    f.write(line.format("esp", "10.200.0.1", "10.200.0.2", 0x10201, "none", "aes256-gcm16", ek.hex(), "none", "-"))
    f.write(line.format("ah", "10.200.0.1", "10.200.0.2", 0x10202, "none", "none", "-", "hmac-sha256-128", ak.hex()))
    f.write(line.format("esp", "10.200.0.2", "10.200.0.1", 0x20101, "udp:4500:4500", "aes256-gcm16", uk.hex(), "none", "-"))
PY
  "$E2E_PY" "$E2E_SA_TOOL" parse "$d/sa.txt" >/dev/null || { e2e_log "sa.txt does not parse"; return 1; }
  mapfile -t o < <("$E2E_PY" "$E2E_SA_TOOL" tshark "$d/sa.txt")
  n=$(tshark -r "$d/ain1-ain2.pcap" "${o[@]}" -Y 'icmp && esp' 2>/dev/null | wc -l)
  [ "$n" -eq 2 ] || { e2e_log "tshark decrypted $n of 2 ESP packets"; return 1; }
  n=$(tshark -r "$d/ain1-ain2.pcap" -Y 'icmp && esp' 2>/dev/null | wc -l)
  [ "$n" -eq 0 ] || { e2e_log "tshark saw ICMP in ESP without the keys"; return 1; }
  "$E2E_PY" "$E2E_SA_TOOL" scapy "$d/sa.txt" "$d/ain1-ain2.pcap" | grep -qx 'opened 3, failed 0, unknown spi 0' ||
    { e2e_log "scapy did not open all 3"; return 1; }
  sed -i 's/auth_key=\([0-9a-f]\)/auth_key=f\1/; s/auth_key=f\([0-9a-f]\)[0-9a-f]/auth_key=f\1/' "$d/sa.txt"
  sed -i '2s/enc_key=\(..\)/enc_key=00/' "$d/sa.txt"
  if "$E2E_PY" "$E2E_SA_TOOL" scapy "$d/sa.txt" "$d/ain1-ain2.pcap" 2>/dev/null | grep -q 'failed 0'; then
    e2e_log "scapy opened packets with wrong keys"; return 1
  fi
  e2e_log "  ok   tshark decrypted 2/2 ESP, scapy opened 3/3 (ESP, AH, ESP-in-UDP) from sa.txt; wrong keys fail"
}
