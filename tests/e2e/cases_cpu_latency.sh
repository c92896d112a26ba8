# shellcheck shell=bash
# [network] cpu_latency_us and endpoint.cpu_latency_us (io/cpu_latency_qos.h,
# docs/latency.md "CPU wake-up latency"): with cpu_latency_us = 0 in every
# aind and the endpoint, the kernel's PM QoS value (/dev/cpu_dma_latency,
# the smallest request in force) is 0 while a 3-hop ANT carries pings, and
# `ainctl status` shows ain1's and the endpoint's requests; with
# every aind stopped it is still 0 (the endpoint's own request); with the
# endpoint stopped too it is what it was before the test.

_qos_now() { od -An -td4 -N4 /dev/cpu_dma_latency | tr -d ' \n'; }

test_cpu_latency_request() {
  [ -w /dev/cpu_dma_latency ] || { echo "SKIP: /dev/cpu_dma_latency is not writable here"; exit 77; }
  local before now pid
  before=$(_qos_now)
  [ -n "$before" ] && [ "$before" != 0 ] || { echo "SKIP: another process already holds a 0 us request"; exit 77; }
  export AINET_E2E_CPU_LATENCY=0
  _ant_up udp || return 1
  e2e_check_ping "$E2E_RESPONDER4" 3 || return 1
  now=$(_qos_now)
  [ "$now" = 0 ] || { e2e_log "PM QoS value $now with every daemon asking for 0 (before: $before)"; return 1; }
  e2e_log "  ok   PM QoS value 0 while the daemons run (before: $before)"
  e2e_ainctl_json ain1 status "r['cpu_latency_us'] == 0" >/dev/null ||
    { e2e_log "ain1's status does not show its request"; e2e_ainctl ain1 --json status >&2; return 1; }
  e2e_ainctl ain1 status | grep -q "cpu latency: 0 us" ||
    { e2e_log "ainctl status prints no cpu latency line"; return 1; }
  _endpoint_json 'r["cpu_latency_us"] == 0' >/dev/null ||
    { e2e_log "the endpoint's status does not show its request"; return 1; }
  "$E2E_AINCTL" --socket "$(_endpoint_sock)" status | grep -q "cpu latency: 0 us" ||
    { e2e_log "ainctl status of the endpoint prints no cpu latency line"; return 1; }
  e2e_log "  ok   ainctl status shows the request (ain1 and the endpoint)"
  for pid in "${E2E_AIND_PIDS[@]}"; do e2e_stop "$pid" 10; done
  now=$(_qos_now)
  [ "$now" = 0 ] || { e2e_log "PM QoS value $now after the aind stopped: the endpoint holds no request"; return 1; }
  e2e_log "  ok   the endpoint's own request holds it at 0"
  e2e_stop "$E2E_ENDPOINT_PID" 10
  e2e_wait_for 2 test "$(_qos_now)" = "$before" ||
    { e2e_log "PM QoS value $(_qos_now) after every daemon stopped, $before before"; return 1; }
  e2e_log "  ok   back to $before once every daemon stopped"
}
