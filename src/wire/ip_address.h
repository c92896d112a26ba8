// IpAddress (IPv4 or IPv6 value type) and IpPrefix (address/length).
// Parsing and formatting use inet_pton/inet_ntop; they are for configuration,
// directory files and logs, not the packet path.
#pragma once
#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "util/bytes.h"
#include "util/result.h"

namespace ainet::wire {

enum class IpFamily : uint8_t { v4 = 4, v6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  // From network-order bytes; span size must be 4 (v4) or 16 (v6), else malformed.
  static Result<IpAddress> from_bytes(ByteSpan b);
  static IpAddress v4(const std::array<uint8_t, 4>& b);
  static IpAddress v6(const std::array<uint8_t, 16>& b);
  static IpAddress v4(uint32_t host_order);
  // "192.0.2.1" or "2001:db8::1" (no brackets, no zone).
  static Result<IpAddress> parse(std::string_view s);

  IpFamily family() const { return family_; }
  bool is_v4() const { return family_ == IpFamily::v4; }
  bool is_v6() const { return family_ == IpFamily::v6; }
  size_t size() const { return is_v4() ? 4 : 16; }
  // The network-order address bytes (4 or 16), pointing into this object.
  ByteSpan bytes() const { return ByteSpan(bytes_.data(), size()); }
  uint32_t v4_host_order() const { return load_be32(bytes_.data()); }
  bool is_unspecified() const;
  // A unicast address that may leave its link: not unspecified, loopback,
  // multicast, link-local or broadcast. An ANT carries only such traffic
  // between two hosts; link-scoped packets (router solicitations, MLD, ARP-
  // era broadcasts) must never be carried to an exit on another network.
  bool is_routable_unicast() const;
  std::string to_string() const;

  // Orders v4 before v6, then by bytes. Unused bytes are always zero.
  auto operator<=>(const IpAddress&) const = default;
  bool operator==(const IpAddress&) const = default;

 private:
  IpFamily family_ = IpFamily::v4;
  std::array<uint8_t, 16> bytes_{};
};

struct IpAddressHash {
  size_t operator()(const IpAddress& a) const;
};

class IpPrefix {
 public:
  IpPrefix() = default;  // 0.0.0.0/0
  // Host bits of addr are cleared; len > 32 (v4) or > 128 (v6) is malformed.
  static Result<IpPrefix> make(const IpAddress& addr, uint8_t len);
  // "10.0.0.0/8", "2001:db8::/32"; a bare address means a host prefix.
  static Result<IpPrefix> parse(std::string_view s);

  const IpAddress& address() const { return addr_; }
  uint8_t length() const { return len_; }
  bool contains(const IpAddress& a) const;  // false across families
  std::string to_string() const;

  bool operator==(const IpPrefix&) const = default;

 private:
  IpAddress addr_;
  uint8_t len_ = 0;
};

}  // namespace ainet::wire

template <>
struct std::hash<ainet::wire::IpAddress> : ainet::wire::IpAddressHash {};
