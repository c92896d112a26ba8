// Batched random outer IPv4 IDs (see ipv4_id_pool.h for why).
#include "sa/ipv4_id_pool.h"

#include "util/bytes.h"

namespace ainet::sa {

uint16_t Ipv4IdPool::next(crypto::Rng& rng) {
  if (used_ == sizeof(bytes_)) {
    rng.fill(MutByteSpan(bytes_, sizeof(bytes_)));
    used_ = 0;
  }
  const uint16_t id = load_be16(bytes_ + used_);
  used_ += 2;
  return id;
}

}  // namespace ainet::sa
