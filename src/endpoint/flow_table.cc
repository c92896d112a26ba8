#include "endpoint/flow_table.h"

namespace ainet::endpoint {
namespace {

// FNV-1a over the address bytes: cheap and good enough to spread pairs over
// slots (the table is local state, not attacker-facing beyond a full table).
uint64_t fnv1a(ByteSpan a, ByteSpan b) {
  uint64_t h = 1469598103934665603ull;
  for (uint8_t c : a) h = (h ^ c) * 1099511628211ull;
  for (uint8_t c : b) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

FlowTable::FlowTable(size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}

bool FlowTable::record(ByteSpan inner) {
  if (inner.empty()) return false;
  ByteSpan src, dst;
  const unsigned version = inner[0] >> 4;
  if (version == 4 && inner.size() >= 20) {  // RFC 791 §3.1
    src = inner.subspan(12, 4);
    dst = inner.subspan(16, 4);
  } else if (version == 6 && inner.size() >= 40) {  // RFC 8200 §3
    src = inner.subspan(8, 16);
    dst = inner.subspan(24, 16);
  } else {
    return false;
  }
  auto s = wire::IpAddress::from_bytes(src);
  auto d = wire::IpAddress::from_bytes(dst);
  if (!s || !d) return false;
  const size_t n = slots_.size();
  size_t i = static_cast<size_t>(fnv1a(src, dst) % n);
  for (size_t probe = 0; probe < n; ++probe, i = (i + 1) % n) {
    Slot& slot = slots_[i];
    if (!slot.used) {
      if (used_ == n) break;
      slot.used = true;
      slot.src = *s;
      slot.dst = *d;
      ++used_;
      return true;
    }
    if (slot.src == *s && slot.dst == *d) return true;
  }
  ++overflow_;
  return false;
}

}  // namespace ainet::endpoint
