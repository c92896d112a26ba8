#include "wire/ip_address.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace ainet::wire {

Result<IpAddress> IpAddress::from_bytes(ByteSpan b) {
  IpAddress a;
  if (b.size() == 4) {
    a.family_ = IpFamily::v4;
  } else if (b.size() == 16) {
    a.family_ = IpFamily::v6;
  } else {
    return Errc::malformed;
  }
  std::copy(b.begin(), b.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v4(const std::array<uint8_t, 4>& b) {
  IpAddress a;
  std::copy(b.begin(), b.end(), a.bytes_.begin());
  return a;
}

IpAddress IpAddress::v6(const std::array<uint8_t, 16>& b) {
  IpAddress a;
  a.family_ = IpFamily::v6;
  a.bytes_ = b;
  return a;
}

IpAddress IpAddress::v4(uint32_t host_order) {
  IpAddress a;
  store_be32(a.bytes_.data(), host_order);
  return a;
}

Result<IpAddress> IpAddress::parse(std::string_view s) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (s.empty() || s.size() >= sizeof(buf)) return Errc::malformed;
  std::copy(s.begin(), s.end(), buf);
  IpAddress a;
  if (inet_pton(AF_INET, buf, a.bytes_.data()) == 1) return a;
  if (inet_pton(AF_INET6, buf, a.bytes_.data()) == 1) {
    a.family_ = IpFamily::v6;
    return a;
  }
  return Errc::malformed;
}

bool IpAddress::is_unspecified() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](uint8_t b) { return b == 0; });
}

bool IpAddress::is_routable_unicast() const {
  const uint8_t* b = bytes_.data();
  if (is_v4()) {
    // RFC 1122 §3.2.1.3: 0/8 "this network" and 127/8 loopback; RFC 3927:
    // 169.254/16 link-local; RFC 5771: 224/4 multicast (and 240/4 reserved,
    // RFC 1112 §4, with 255.255.255.255 limited broadcast, RFC 919).
    return b[0] != 0 && b[0] != 127 && !(b[0] == 169 && b[1] == 254) && b[0] < 224;
  }
  // RFC 4291 §2.4: :: unspecified, ::1 loopback, ff00::/8 multicast,
  // fe80::/10 link-local unicast.
  if (is_unspecified() || b[0] == 0xff || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80)) return false;
  const bool loopback = std::all_of(b, b + 15, [](uint8_t x) { return x == 0; }) && b[15] == 1;
  return !loopback;
}

std::string IpAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (!inet_ntop(is_v4() ? AF_INET : AF_INET6, bytes_.data(), buf, sizeof(buf))) return "?";
  return buf;
}

size_t IpAddressHash::operator()(const IpAddress& a) const {
  // FNV-1a over family and bytes: cheap and good enough for table keys that
  // are not attacker-chosen in bulk (SAD is keyed by SPI, not address).
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](uint8_t b) { h = (h ^ b) * 1099511628211ull; };
  mix(static_cast<uint8_t>(a.family()));
  for (uint8_t b : a.bytes()) mix(b);
  return static_cast<size_t>(h);
}

Result<IpPrefix> IpPrefix::make(const IpAddress& addr, uint8_t len) {
  const size_t bits = addr.size() * 8;
  if (len > bits) return Errc::malformed;
  uint8_t b[16] = {};
  std::copy(addr.bytes().begin(), addr.bytes().end(), b);
  for (size_t i = 0; i < addr.size(); ++i) {
    const size_t first_bit = i * 8;
    if (first_bit >= len) {
      b[i] = 0;
    } else if (first_bit + 8 > len) {
      b[i] &= static_cast<uint8_t>(0xff << (8 - (len - first_bit)));
    }
  }
  IpPrefix p;
  p.addr_ = IpAddress::from_bytes(ByteSpan(b, addr.size())).value();
  p.len_ = len;
  return p;
}

Result<IpPrefix> IpPrefix::parse(std::string_view s) {
  const size_t slash = s.find('/');
  auto addr = IpAddress::parse(s.substr(0, slash));
  if (!addr) return addr.error();
  unsigned len = static_cast<unsigned>(addr->size() * 8);
  if (slash != std::string_view::npos) {
    const std::string_view num = s.substr(slash + 1);
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), len);
    if (num.empty() || ec != std::errc{} || ptr != num.data() + num.size() || len > 255)
      return Errc::malformed;
  }
  return make(*addr, static_cast<uint8_t>(len));
}

bool IpPrefix::contains(const IpAddress& a) const {
  if (a.family() != addr_.family()) return false;
  auto masked = make(a, len_);
  return masked && masked->addr_ == addr_;
}

std::string IpPrefix::to_string() const { return addr_.to_string() + "/" + std::to_string(len_); }

}  // namespace ainet::wire
