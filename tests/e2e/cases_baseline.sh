# shellcheck shell=bash
# Baselines over plain kernel IP forwarding on the same topology (no aind):
# they show that the topology, the servers and every application check work,
# so an ANT test that fails points at ainet, not at the harness.

_baseline_up() {
  e2e_init
  e2e_topology || return 1
  e2e_routes_kernel || return 1
  e2e_apps_start "${1:-0}" || return 1
}

test_baseline_kernel_apps() {
  _baseline_up || return 1
  e2e_check_all_apps "$E2E_RESPONDER4" "$E2E_RESPONDER6"
}

# 2% loss on the ain1-ain2 link (both directions); a 50 MB download completes.
test_baseline_kernel_loss_50mb() {
  _baseline_up 50 || return 1
  e2e_nft_drop ain1 ain2 2 || return 1
  e2e_nft_drop ain2 ain1 2 || return 1
  e2e_check_http "$E2E_RESPONDER4" big.bin || return 1
  local d1 d2
  d1=$(e2e_nft_drop_count ain1)
  d2=$(e2e_nft_drop_count ain2)
  [ $((d1 + d2)) -gt 0 ] || { e2e_log "the loss rule dropped nothing"; return 1; }
  e2e_log "  ok   loss rule dropped $d1 + $d2 packets"
}
