#include "io/socket_address.h"

#include <arpa/inet.h>

#include <cstring>

namespace ainet::io {

SocketAddress SocketAddress::from_ip(ByteSpan ip, uint16_t port) {
  SocketAddress a;
  if (ip.size() == 4) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&a.storage_);
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    std::memcpy(&sin->sin_addr, ip.data(), 4);
  } else if (ip.size() == 16) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&a.storage_);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    std::memcpy(&sin6->sin6_addr, ip.data(), 16);
  }
  return a;
}

std::optional<SocketAddress> SocketAddress::parse(std::string_view ip, uint16_t port) {
  std::string s(ip);  // inet_pton needs a NUL-terminated string
  uint8_t buf[16];
  if (inet_pton(AF_INET, s.c_str(), buf) == 1) return from_ip(ByteSpan(buf, 4), port);
  if (inet_pton(AF_INET6, s.c_str(), buf) == 1) return from_ip(ByteSpan(buf, 16), port);
  return std::nullopt;
}

SocketAddress SocketAddress::any(int family, uint16_t port) {
  static constexpr uint8_t kZero[16] = {};
  return from_ip(ByteSpan(kZero, family == AF_INET ? 4 : 16), port);
}

SocketAddress SocketAddress::loopback(int family, uint16_t port) {
  static constexpr uint8_t kV4[4] = {127, 0, 0, 1};
  static constexpr uint8_t kV6[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  return family == AF_INET ? from_ip(ByteSpan(kV4, 4), port) : from_ip(ByteSpan(kV6, 16), port);
}

ByteSpan SocketAddress::ip_bytes() const {
  if (is_v4()) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(&storage_);
    return ByteSpan(reinterpret_cast<const uint8_t*>(&sin->sin_addr), 4);
  }
  if (is_v6()) {
    const auto* sin6 = reinterpret_cast<const sockaddr_in6*>(&storage_);
    return ByteSpan(reinterpret_cast<const uint8_t*>(&sin6->sin6_addr), 16);
  }
  return {};
}

uint16_t SocketAddress::port() const {
  if (is_v4()) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage_)->sin_port);
  if (is_v6()) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage_)->sin6_port);
  return 0;
}

void SocketAddress::set_port(uint16_t port) {
  if (is_v4()) reinterpret_cast<sockaddr_in*>(&storage_)->sin_port = htons(port);
  if (is_v6()) reinterpret_cast<sockaddr_in6*>(&storage_)->sin6_port = htons(port);
}

socklen_t SocketAddress::length() const {
  if (is_v4()) return sizeof(sockaddr_in);
  if (is_v6()) return sizeof(sockaddr_in6);
  return 0;
}

std::string SocketAddress::to_string() const {
  char buf[INET6_ADDRSTRLEN] = {};
  if (empty() || !inet_ntop(family(), ip_bytes().data(), buf, sizeof buf)) return "(none)";
  // Appended piece by piece: GCC 12 at -O3 reports a false -Wrestrict on
  // `"[" + std::string(...)` (GCC bug 105329), which broke Release builds.
  const bool bracket = is_v6() && port();
  std::string out;
  if (bracket) out += '[';
  out += buf;
  if (bracket) out += ']';
  if (port()) {
    out += ':';
    out += std::to_string(port());
  }
  return out;
}

bool SocketAddress::operator==(const SocketAddress& o) const {
  if (family() != o.family()) return false;
  if (empty()) return true;
  ByteSpan a = ip_bytes(), b = o.ip_bytes();
  return port() == o.port() && std::memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace ainet::io
