#include "core/exit_pool.h"

#include <array>

namespace ainet::core {
namespace {

// Address = prefix bits of p, host bits taken from `host` (a counter or random).
wire::IpAddress compose(const wire::IpPrefix& p, const std::array<uint8_t, 16>& host) {
  const auto base = p.address().bytes();
  std::array<uint8_t, 16> b{};
  for (size_t i = 0; i < base.size(); ++i) {
    const size_t bit0 = i * 8;
    uint8_t mask = 0;  // 1 = host bit
    for (size_t k = 0; k < 8; ++k)
      if (bit0 + k >= p.length()) mask |= static_cast<uint8_t>(0x80 >> k);
    b[i] = static_cast<uint8_t>((base[i] & ~mask) | (host[i] & mask));
  }
  if (p.address().is_v4()) return wire::IpAddress::v4(std::array<uint8_t, 4>{b[0], b[1], b[2], b[3]});
  return wire::IpAddress::v6(b);
}

// IPv4 subnets of /30 and wider: the all-zeros and all-ones host addresses
// are network and broadcast addresses (RFC 919, RFC 922); never hand them out.
bool usable(const wire::IpPrefix& p, const wire::IpAddress& a) {
  if (!a.is_v4() || p.length() > 30) return true;
  const uint32_t host_mask = p.length() == 0 ? 0xffffffffu : (0xffffffffu >> p.length());
  const uint32_t h = a.v4_host_order() & host_mask;
  return h != 0 && h != host_mask;
}

}  // namespace

bool ExitPool::serves(wire::IpFamily f) const {
  for (const auto& p : prefixes_)
    if (p.address().family() == f) return true;
  return false;
}

Result<wire::IpAddress> ExitPool::acquire(wire::IpFamily f, crypto::Rng& rng) {
  bool any = false;
  for (const auto& p : prefixes_) {
    if (p.address().family() != f) continue;
    any = true;
    // Random tries first (typical pools are sparse) ...
    for (int attempt = 0; attempt < 16; ++attempt) {
      std::array<uint8_t, 16> host{};
      rng.fill(host);
      auto a = compose(p, host);
      if (usable(p, a) && !in_use_.count(a)) {
        in_use_.insert(a);
        return a;
      }
    }
    // ... then a bounded scan of the low host bits, for small dense pools.
    const size_t bits = (f == wire::IpFamily::v4 ? 32u : 128u) - p.length();
    const uint32_t span = bits >= 16 ? 65536u : (1u << bits);
    const uint32_t start = rng.u32() % span;
    for (uint32_t i = 0; i < span; ++i) {
      const uint32_t v = (start + i) % span;
      std::array<uint8_t, 16> host{};
      const size_t last = f == wire::IpFamily::v4 ? 3 : 15;
      host[last] = static_cast<uint8_t>(v);
      host[last - 1] = static_cast<uint8_t>(v >> 8);
      auto a = compose(p, host);
      if (usable(p, a) && !in_use_.count(a)) {
        in_use_.insert(a);
        return a;
      }
    }
  }
  return any ? Errc::limit : Errc::not_found;
}

}  // namespace ainet::core
