// For the TUN-offload fuzz targets: whether a TCP segment's checksums verify
// (the IPv4 header checksum, RFC 791 §3.1, and the TCP checksum over the
// pseudo-header, RFC 9293 §3.1 / RFC 8200 §8.1). The caller has checked that
// `p` is a whole TCPv4 or TCPv6 packet with a bare IPv6 header.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/bytes.h"
#include "wire/checksum.h"

namespace ainet::fuzz {

inline bool tcp_checksums_ok(ByteSpan p) {
  const bool v4 = (p[0] >> 4) == 4;
  const size_t ip_len = v4 ? static_cast<size_t>(p[0] & 0xf) * 4 : 40;
  if (v4 && wire::internet_checksum(p.first(ip_len)) != 0) return false;
  wire::InternetChecksum c;
  if (v4) {
    c.add(p.subspan(12, 8));
    c.add_u16(6);
    c.add_u16(static_cast<uint16_t>(p.size() - ip_len));
  } else {
    c.add(p.subspan(8, 32));
    c.add_u32(static_cast<uint32_t>(p.size() - ip_len));
    c.add_u32(6);
  }
  c.add(p.subspan(ip_len));
  return c.finish() == 0;
}

}  // namespace ainet::fuzz
