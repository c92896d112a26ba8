// The daemon's clocks. The sans-I/O core never reads a clock; the daemon reads
// these and passes the value in (engine_api.h).
#pragma once
#include <cstdint>

#include "util/time.h"

namespace ainet::io {

// CLOCK_MONOTONIC in nanoseconds. The event loop arms its timerfd on the same
// clock (TFD_TIMER_ABSTIME), so an engine deadline maps to the timer unchanged.
Time monotonic_now();

// Wall-clock seconds since the Unix epoch, for directory expiry (docs/protocol.md
// "Directory": refused when now >= expires).
int64_t unix_seconds_now();

}  // namespace ainet::io
