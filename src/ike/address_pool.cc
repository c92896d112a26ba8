#include "ike/address_pool.h"

#include <array>

namespace ainet::ike {
namespace {

// prefix address + host index (index < 2^(bits - len), at most 2^32 tried).
wire::IpAddress host_at(const wire::IpPrefix& p, uint64_t index) {
  const ByteSpan b = p.address().bytes();
  std::array<uint8_t, 16> a{};
  std::copy(b.begin(), b.end(), a.begin());
  uint64_t carry = index;
  for (size_t i = b.size(); i-- > 0 && carry != 0;) {
    const uint64_t sum = a[i] + (carry & 0xff);
    a[i] = static_cast<uint8_t>(sum);
    carry = (carry >> 8) + (sum >> 8);
  }
  if (p.address().is_v4()) return wire::IpAddress::v4({a[0], a[1], a[2], a[3]});
  return wire::IpAddress::v6(a);
}

}  // namespace

std::optional<wire::IpAddress> AddressPool::lease(uint64_t owner,
                                                  std::optional<wire::IpAddress> wanted) {
  if (!configured_ || leases_.size() >= kMaxLeases) return std::nullopt;
  const size_t host_bits = prefix_.address().size() * 8 - prefix_.length();
  // Usable hosts: 1 .. size-2 for IPv4 (no network/broadcast), 1 .. size-1 for IPv6.
  const uint64_t size = host_bits >= 32 ? (uint64_t{1} << 32) : (uint64_t{1} << host_bits);
  const uint64_t last = prefix_.address().is_v4() ? size - 2 : size - 1;
  if (size < 4 && prefix_.address().is_v4()) return std::nullopt;
  if (wanted && wanted->family() == prefix_.address().family() && prefix_.contains(*wanted)) {
    // Only a host index 1..last (never the network or broadcast address).
    const wire::IpAddress net = host_at(prefix_, 0);
    bool usable = *wanted != net;
    if (prefix_.address().is_v4() && *wanted == host_at(prefix_, size - 1)) usable = false;
    if (usable && leases_.emplace(*wanted, owner).second) return *wanted;
  }
  const uint64_t hosts = last;  // indices 1..last
  const uint64_t tries = hosts < kMaxLeases + 1 ? hosts : kMaxLeases + 1;
  for (uint64_t t = 0; t < tries; ++t) {
    if (next_ < 1 || next_ > last) next_ = 1;
    const wire::IpAddress a = host_at(prefix_, next_++);
    if (leases_.emplace(a, owner).second) return a;
  }
  return std::nullopt;
}

void AddressPool::release(const wire::IpAddress& a) {
  leases_.erase(a);
}

void AddressPool::transfer(uint64_t from, uint64_t to) {
  for (auto& [addr, owner] : leases_)
    if (owner == from) owner = to;
}

std::optional<uint64_t> AddressPool::owner_of(const wire::IpAddress& a) const {
  auto it = leases_.find(a);
  if (it == leases_.end()) return std::nullopt;
  return it->second;
}

}  // namespace ainet::ike
