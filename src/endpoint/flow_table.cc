#include "endpoint/flow_table.h"

#include <optional>

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

struct InnerPair {
  wire::IpAddress src, dst;
};

// The source and destination of an inner IPv4/IPv6 datagram.
std::optional<InnerPair> inner_pair(ByteSpan inner) {
  if (inner.empty()) return std::nullopt;
  ByteSpan src, dst;
  const unsigned version = inner[0] >> 4;
  if (version == 4 && inner.size() >= 20) {  // RFC 791 §3.1
    src = inner.subspan(12, 4);
    dst = inner.subspan(16, 4);
  } else if (version == 6 && inner.size() >= 40) {  // RFC 8200 §3
    src = inner.subspan(8, 16);
    dst = inner.subspan(24, 16);
  } else {
    return std::nullopt;
  }
  auto s = wire::IpAddress::from_bytes(src);
  auto d = wire::IpAddress::from_bytes(dst);
  if (!s || !d) return std::nullopt;
  return InnerPair{*s, *d};
}

}  // namespace

FlowTable::FlowTable(size_t capacity) : slots_(capacity == 0 ? 1 : capacity) {}

size_t FlowTable::home(const wire::IpAddress& src, const wire::IpAddress& dst) const {
  return static_cast<size_t>(fnv1a(src.bytes(), dst.bytes()) % slots_.size());
}

FlowTable::Slot* FlowTable::find(const wire::IpAddress& src, const wire::IpAddress& dst,
                                 bool insert) {
  const size_t n = slots_.size();
  size_t i = home(src, dst);
  for (size_t probe = 0; probe < n; ++probe, i = (i + 1) % n) {
    Slot& slot = slots_[i];
    if (!slot.used) {
      // erase_at() keeps every run of used slots gap-free from each entry's
      // home slot, so the first free slot ends the probe.
      if (!insert) return nullptr;
      slot.used = true;
      slot.src = src;
      slot.dst = dst;
      ++used_;
      return &slot;
    }
    if (slot.src == src && slot.dst == dst) return &slot;
  }
  return nullptr;  // full, and not there
}

bool FlowTable::record(ByteSpan inner, Time now) {
  auto p = inner_pair(inner);
  if (!p) return false;
  Slot* s = find(p->src, p->dst, /*insert=*/true);
  if (!s) {
    ++overflow_;
    return false;
  }
  ++s->packets_out;
  s->bytes_out += inner.size();
  s->last_active = now;
  return true;
}

bool FlowTable::count_reply(ByteSpan inner, Time now) {
  auto p = inner_pair(inner);
  if (!p) return false;
  Slot* s = find(p->dst, p->src, /*insert=*/false);
  if (!s) return false;
  ++s->packets_in;
  s->bytes_in += inner.size();
  s->last_active = now;
  return true;
}

// Backward-shift deletion for linear probing: every later entry of the run
// whose home slot is not cyclically in (i, j] moves into the hole, so no
// entry ever sits behind a free slot on its probe path.
void FlowTable::erase_at(size_t i) {
  const size_t n = slots_.size();
  size_t j = i;
  for (size_t step = 0; step < n; ++step) {
    j = (j + 1) % n;
    if (!slots_[j].used) break;
    const size_t k = home(slots_[j].src, slots_[j].dst);
    const bool stays = i < j ? (i < k && k <= j) : (i < k || k <= j);
    if (stays) continue;
    slots_[i] = slots_[j];
    i = j;
  }
  slots_[i] = Slot{};
  --used_;
}

size_t FlowTable::expire(Time now, Duration idle) {
  size_t removed = 0;
  for (size_t i = 0; i < slots_.size();) {
    // After an erase, slot i may hold an entry shifted back from later in
    // the run: look at it again before moving on.
    if (slots_[i].used && now - slots_[i].last_active >= idle) {
      erase_at(i);
      ++removed;
      continue;
    }
    ++i;
  }
  expired_ += removed;
  return removed;
}

}  // namespace ainet::endpoint
