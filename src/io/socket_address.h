// SocketAddress: an IPv4 or IPv6 socket address (sockaddr_in / sockaddr_in6)
// as the kernel wants it. The I/O layer keeps its own type so it does not
// depend on wire/; the daemon converts to wire::IpAddress from ip_bytes().
#pragma once
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "util/bytes.h"

namespace ainet::io {

class SocketAddress {
 public:
  SocketAddress() = default;  // AF_UNSPEC: "no address"
  // From network-order address bytes (4 → IPv4, 16 → IPv6); any other size
  // gives AF_UNSPEC.
  static SocketAddress from_ip(ByteSpan ip, uint16_t port = 0);
  // "192.0.2.1" / "2001:db8::1" (numeric only; for configuration and tests).
  static std::optional<SocketAddress> parse(std::string_view ip, uint16_t port = 0);
  static SocketAddress any(int family, uint16_t port);       // 0.0.0.0 / ::
  static SocketAddress loopback(int family, uint16_t port);  // 127.0.0.1 / ::1

  int family() const { return storage_.ss_family; }
  bool is_v4() const { return family() == AF_INET; }
  bool is_v6() const { return family() == AF_INET6; }
  bool empty() const { return family() == AF_UNSPEC; }
  // The 4 or 16 network-order address bytes (empty for AF_UNSPEC).
  ByteSpan ip_bytes() const;
  uint16_t port() const;
  void set_port(uint16_t port);

  // For the socket calls.
  sockaddr* sa() { return reinterpret_cast<sockaddr*>(&storage_); }
  const sockaddr* sa() const { return reinterpret_cast<const sockaddr*>(&storage_); }
  socklen_t length() const;
  static constexpr socklen_t capacity() { return sizeof(sockaddr_storage); }

  // "192.0.2.1:4500", "[2001:db8::1]:4500" (port omitted when 0).
  std::string to_string() const;
  bool operator==(const SocketAddress& o) const;

 private:
  sockaddr_storage storage_{};
};

}  // namespace ainet::io
