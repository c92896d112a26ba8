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
  // Entrance: datagrams a customer may send into ANTs per slice (0 = no
  // limit), spread over the slice by a token bucket a tenth of the quota
  // deep; the rest are dropped and counted (EngineStats::cells_over_quota).
  uint32_t quota_cells = 0;
  // Entrance: distinct customers tracked per slice (memory bound).
  uint32_t max_customers = 4096;
  // Hop: tickets accepted from one issuer per slice.
  uint32_t issuer_cap = 10000;
  // Hop: spent tickets remembered per slice (memory bound, fixed at start).
  uint32_t spent_capacity = 65536;
};

// One counter per verdict; at every hop that checks tickets (TicketVerifier; EngineStats::tickets).
struct TicketStats {
  uint64_t accepted = 0;
  uint64_t missing = 0, malformed = 0, forged = 0, expired = 0, wrong_slice = 0, reused = 0,
           over_quota = 0, over_capacity = 0;
  uint64_t refused() const {
    return missing + malformed + forged + expired + wrong_slice + reused + over_quota +
           over_capacity;
  }
  bool operator==(const TicketStats&) const = default;
};

struct TicketIssuerStats {
  uint64_t issued = 0;         // blind signatures given out
  uint64_t over_quota = 0;     // refused: the customer used its quota this slice
  uint64_t over_capacity = 0;  // refused: max_customers distinct customers this slice
  uint64_t bad_request = 0;    // refused: a blinded message that is not one (size, range)
};

// The slice that holds unix time `now` (slice_seconds > 0).
constexpr uint64_t slice_of(uint64_t now_unix, uint64_t slice_seconds) {
  return now_unix / slice_seconds;
}

}  // namespace ainet::core
