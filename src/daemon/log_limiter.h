// LogLimiter: a token bucket per log call site, so a flood of bad packets
// (DESIGN.md: "dropped and counted, with rate-limited logging") cannot turn
// the log into a second denial of service. Suppressed lines are counted and
// reported with the next line that gets through.
#pragma once
#include <compare>  // util/time.h uses <=> without including it
#include <cstdint>

#include "util/time.h"

namespace ainet::daemon {

class LogLimiter {
 public:
  // At most `burst` lines at once, refilled at one line per `period`.
  LogLimiter(uint32_t burst, Duration period) : burst_(burst), period_(period), tokens_(burst) {}

  // True when a line may be written now. `suppressed` is set to the number of
  // lines refused since the last allowed one (to say "N more suppressed").
  bool allow(Time now, uint64_t& suppressed);

 private:
  uint32_t burst_;
  Duration period_;
  uint32_t tokens_;
  Time last_refill_{};
  bool started_ = false;
  uint64_t suppressed_ = 0;
};

}  // namespace ainet::daemon
