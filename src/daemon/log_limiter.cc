#include "daemon/log_limiter.h"

namespace ainet::daemon {

bool LogLimiter::allow(Time now, uint64_t& suppressed) {
  if (!started_) {
    started_ = true;
    last_refill_ = now;
  }
  if (period_.ns > 0 && now > last_refill_) {
    const int64_t earned = (now - last_refill_).ns / period_.ns;
    if (earned > 0) {
      const uint64_t t = tokens_ + static_cast<uint64_t>(earned);
      tokens_ = t > burst_ ? burst_ : static_cast<uint32_t>(t);
      last_refill_ = last_refill_ + Duration{earned * period_.ns};
    }
  }
  if (tokens_ == 0) {
    ++suppressed_;
    suppressed = 0;
    return false;
  }
  --tokens_;
  suppressed = suppressed_;
  suppressed_ = 0;
  return true;
}

}  // namespace ainet::daemon
