// aind's Prometheus metrics ([metrics] listen in aind.toml; docs/metrics.md
// lists every family). AinNode keeps what the engine does not count itself
// (set-up latency, failures by reason: both come from EngineEvents) in an
// AindMetricsCounters, and renders everything on request (aind_metrics.cc)
// from the engine's views, the carrier's counters and these.
#pragma once
#include <array>
#include <cstdint>

#include "core/engine_api.h"
#include "daemon/prometheus_text.h"
#include "wire/signaling.h"

namespace ainet::daemon {

struct AindMetricsCounters {
  // Entrance ANTs: first CREATE to CREATED, retries included.
  LatencyHistogram setup_seconds;
  // Entrance ANTs that could not be built, by docs/protocol.md reason code.
  std::array<uint64_t, wire::kMaxSignalReason + 1> create_failed{};

  // Called for every engine event, before any log rate limiting.
  void record(const core::EngineEvent& ev);
};

// The docs/protocol.md name of a reason code ("no_route"); "unknown" outside it.
const char* signal_reason_name(uint8_t reason);

}  // namespace ainet::daemon
