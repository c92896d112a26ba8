// Ticket settings shared by the issuer (entrance) and the verifier (every
// later hop); docs/protocol.md "Tickets", examples/aind.toml [tickets].
#pragma once
#include <cstddef>
#include <cstdint>

#include "crypto/blind_rsa.h"

namespace ainet::core {

// RFC 9474 §5 variant of ticket signatures. Deterministic preparation: the
// ticket message already holds a 32-byte nonce the client draws, so a
// msg_prefix would add nothing but 32 wire bytes (§5, §7); PSS with a
// 48-byte salt keeps the signature itself randomized. docs/protocol.md
// "Tickets" gives the full reasoning.
constexpr crypto::BlindRsaVariant kTicketVariant =
    crypto::BlindRsaVariant::sha384_pss_deterministic;

struct TicketConfig {
  bool enabled = false;
  // slice = floor(unix_seconds / slice_seconds).
  uint64_t slice_seconds = 60;
  // Clock skew allowed at a slice boundary: a ticket of slice t is accepted
  // during [t*slice_seconds - grace, (t+1)*slice_seconds + grace). Must be
  // less than half a slice, so at most two slices are valid at any moment.
  uint64_t grace_seconds = 5;
  // Entrance: CREATEs (one ticket each) a customer may start per slice.
  uint32_t quota_ants = 60;
  // Entrance: distinct customers tracked per slice (memory bound).
  uint32_t max_customers = 4096;
  // Hop: tickets accepted from one issuer per slice.
  uint32_t issuer_cap = 10000;
  // Hop: spent tickets remembered per slice (memory bound, fixed at start).
  uint32_t spent_capacity = 65536;
};

// The slice that holds unix time `now` (slice_seconds > 0).
constexpr uint64_t slice_of(uint64_t now_unix, uint64_t slice_seconds) {
  return now_unix / slice_seconds;
}

}  // namespace ainet::core
