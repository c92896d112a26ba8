#include "daemon/ike_liveness.h"

#include <set>

namespace ainet::daemon {

void IkeLiveness::child_up(uint32_t spi_in, uint64_t ike_sa, uint64_t packets_now) {
  children_[spi_in] = {ike_sa, packets_now};
}

void IkeLiveness::ike_rekeyed(uint64_t old_handle, uint64_t new_handle) {
  for (auto& [spi, c] : children_)
    if (c.ike_sa == old_handle) c.ike_sa = new_handle;
}

size_t IkeLiveness::check(Time now, ike::IkeEngine& engine, const PacketsIn& packets_in) {
  std::set<uint64_t> alive;
  for (auto it = children_.begin(); it != children_.end();) {
    const std::optional<uint64_t> n = packets_in(it->first);
    if (!n) {  // the tunnel is gone; its ChildSaDown will not be needed
      it = children_.erase(it);
      continue;
    }
    if (*n > it->second.seen) alive.insert(it->second.ike_sa);
    it->second.seen = *n;
    ++it;
  }
  for (uint64_t h : alive) engine.peer_alive(now, h);
  return alive.size();
}

}  // namespace ainet::daemon
