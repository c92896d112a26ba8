// One PVT: the permanent ESP+AH tunnel to a neighbouring AIN (paper §4.2),
// which carries only signaling, plus its liveness (docs/protocol.md: a
// KEEPALIVE every interval; no valid packet for 3 intervals = down).
#pragma once
#include <cstdint>

#include "core/engine_api.h"
#include "core/timer_queue.h"
#include "core/tunnel_bundle.h"
#include "util/secret.h"

namespace ainet::core {

constexpr int kPvtMissedKeepalives = 3;

struct Pvt {
  NodeId peer = 0;
  IpAddress address;  // the peer's carrier address (directory)
  TunnelBundle bundle;
  Secret<32> tvt_secret;  // TVT AH key derivation (tvt_keys.h)

  bool up = true;  // optimistic at start: the first CREATE need not wait a keepalive
  Time last_rx{};
  TimerHandle keepalive;
  uint64_t packets_in = 0, packets_out = 0, drops = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  bool ever_heard = false;  // last_rx is a real packet's time (not the start time)

  // Called for every packet that authenticated on this PVT. Returns true if
  // the PVT just came (back) up.
  bool heard(Time now) {
    last_rx = now;
    ever_heard = true;
    if (up) return false;
    up = true;
    return true;
  }
  // True when the PVT has been silent for kPvtMissedKeepalives intervals.
  bool silent(Time now, Duration interval) const {
    return now - last_rx >= Duration{interval.ns * kPvtMissedKeepalives};
  }
};

}  // namespace ainet::core
