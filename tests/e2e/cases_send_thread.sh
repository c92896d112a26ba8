# shellcheck shell=bash
# [network] send_thread (docs/send-thread.md): with the carrier's sends on a
# thread of their own at every aind, a 1 MB download and iperf3 TCP run
# through a 3-hop ANT; every AIN of the route reports the thread on, batches
# handed to it and small ones sent inline while it was idle; and a SIGTERM
# at the entrance still gets its DESTROY out (aind's shutdown waits for the
# thread to send what was flushed): the middle AIN drops the ANT within 2 s,
# long before its PVT to the entrance is declared down or the ANT's
# inactivity_timeout (120 s) ends it.

# _send_thread_live CARRIER
_send_thread_live() {
  export AINET_E2E_SEND_THREAD=on
  _ant_up "$1" || return 1
  e2e_check_http "$E2E_RESPONDER4" 1m.bin || return 1
  e2e_check_iperf "$E2E_RESPONDER4" tcp || return 1
  local n mid
  for n in $ANT_ROUTE; do
    e2e_ainctl_json "ain$n" status \
      "r['send_thread'] and r['send_pipeline']['batches'] > 0 and r['send_pipeline']['inline_sends'] > 0" >/dev/null ||
      { e2e_log "ain$n: send thread off or unused"; e2e_ainctl "ain$n" --json status >&2; return 1; }
    e2e_log "  ok   ain$n send thread: $(e2e_ainctl_json "ain$n" status "r['send_pipeline']")"
  done
  read -r _ mid _ <<<"$ANT_ROUTE"
  e2e_ainctl_json "ain$mid" status "r['ants'] >= 1" >/dev/null || { e2e_log "ain$mid relays no ANT"; return 1; }
  e2e_stop "${E2E_AIND_PIDS[1]}" 10
  e2e_wait_for 2 e2e_ainctl_json "ain$mid" status "r['ants'] == 0" ||
    { e2e_log "ain$mid still holds the ANT 2 s after ain1's SIGTERM: its DESTROY was lost"; return 1; }
  e2e_log "  ok   ain1's DESTROY on SIGTERM reached ain$mid"
}

test_send_thread_ip() { _send_thread_live ip; }
test_send_thread_udp() { _send_thread_live udp; }
