// One PVT: the permanent ESP+AH tunnel to a neighbouring AIN (paper §4.2),
// which carries only signaling, plus its liveness (docs/protocol.md: a
// KEEPALIVE every interval; no valid packet for 3 intervals = down).
//
// A PVT is keyed either manually (one generation for ever) or by IKEv2
// (PvtConfig::ike; pvt_sa.cc, docs/ike.md "PVTs"): each child SA is one
// generation with its own ESP SAs and its own tvt_secret (the extra KEYMAT
// octets of that child). Two (or three) generations live during a rekey: a CREATE is
// keyed with the secret of the generation that carries it, and the receiver
// uses the secret of the generation whose inbound SA opened it, so a CREATE
// that crosses a rekey still derives the same TVT keys at both ends.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "core/engine_api.h"
#include "core/timer_queue.h"
#include "core/tunnel_bundle.h"
#include "util/secret.h"

namespace ainet::core {

constexpr int kPvtMissedKeepalives = 3;

struct PvtGeneration {
  TunnelBundle bundle;
  Secret<32> tvt_secret;  // TVT AH key derivation (tvt_keys.h)
  uint32_t number = 0;    // 1, 2, ... for IKE generations; 0 for manual keys
  // The peer sends on it, so it has installed its inbound half: we may send
  // on it too (RFC 7296 §2.8: the responder of a rekey must not send on the
  // new SA before the initiator has it). A lone generation is always used.
  bool confirmed = false;
  bool rekey_asked = false;  // EventKind::pvt_rekey reported for it
  bool keyed() const { return bundle.keyed(); }
};

// At most this many generations of one PVT at once: the current one, the
// one a rekey replaces, and the redundant one of a simultaneous rekey
// (RFC 7296 §2.8.1) until its delete.
constexpr size_t kPvtMaxGenerations = 3;

struct Pvt {
  NodeId peer = 0;
  IpAddress address;  // the peer's carrier address (directory)
  bool ike = false;   // keyed by IKEv2 (no generation until the first child SA)
  // Oldest first; capacity reserved at start (no allocation per packet).
  std::vector<PvtGeneration> gens;
  uint32_t generations = 0;  // IKE generations installed so far

  bool up = true;  // optimistic at start: the first CREATE need not wait a keepalive
  Time last_rx{};
  TimerHandle keepalive;
  uint64_t packets_in = 0, packets_out = 0, drops = 0;
  uint64_t bytes_in = 0, bytes_out = 0;
  bool ever_heard = false;  // last_rx is a real packet's time (not the start time)

  bool keyed() const { return !gens.empty(); }
  // The generation we send on: the newest the peer is known to have, else
  // the newest (a lone generation, e.g. the first). nullptr: none.
  const PvtGeneration* send_gen() const {
    for (auto it = gens.rbegin(); it != gens.rend(); ++it)
      if (it->confirmed) return &*it;
    return gens.empty() ? nullptr : &gens.back();
  }
  PvtGeneration* send_gen() { return const_cast<PvtGeneration*>(std::as_const(*this).send_gen()); }
  const PvtGeneration* newest() const { return gens.empty() ? nullptr : &gens.back(); }
  // The generation whose inbound SA has this SPI (nullptr: none).
  PvtGeneration* gen_by_spi(uint32_t spi) {
    for (PvtGeneration& g : gens)
      if (g.bundle.inbound_spi() == spi) return &g;
    return nullptr;
  }
  const PvtGeneration* gen_by_number(uint32_t n) const {
    for (const PvtGeneration& g : gens)
      if (g.number == n) return &g;
    return nullptr;
  }

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
