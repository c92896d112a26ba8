// Per-thread counts of the public-key and KDF operations (kex.h). A plain
// thread_local: one increment per handshake step, never on the packet path.
#include "crypto/kex_counts.h"

namespace ainet::crypto {

namespace detail {

KexCounts& mutable_kex_counts() {
  thread_local KexCounts counts;
  return counts;
}

}  // namespace detail

KexCounts kex_counts() { return detail::mutable_kex_counts(); }

}  // namespace ainet::crypto
