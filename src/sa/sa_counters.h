// Per-SA and per-SAD counters. Every drop reason has its own slot, indexed by
// ainet::Errc, so a test or an operator can tell a replay from a forgery.
#pragma once
#include <array>
#include <cstdint>

#include "util/result.h"

namespace ainet::sa {

using ErrcCounters = std::array<uint64_t, kErrcCount>;

inline uint64_t& at(ErrcCounters& c, Errc e) { return c[static_cast<size_t>(e)]; }
inline uint64_t at(const ErrcCounters& c, Errc e) { return c[static_cast<size_t>(e)]; }

struct SaCounters {
  uint64_t packets_out = 0;  // sealed successfully
  uint64_t bytes_out = 0;    // payload bytes sealed (before encapsulation)
  uint64_t packets_in = 0;   // opened successfully
  uint64_t bytes_in = 0;     // payload bytes delivered (after decapsulation)
  ErrcCounters drops_in{};    // inbound packets dropped, by reason
  ErrcCounters errors_out{};  // outbound seal calls refused, by reason

  uint64_t dropped(Errc e) const { return at(drops_in, e); }
  uint64_t refused(Errc e) const { return at(errors_out, e); }
};

// Drops the SAD sees before an SA is found (truncated header, unknown SPI,
// not ESP/AH, UDP keepalive / non-ESP marker).
struct SadCounters {
  ErrcCounters drops{};
  uint64_t dropped(Errc e) const { return at(drops, e); }
};

}  // namespace ainet::sa
