// Reading an inner packet for tunnel-mode sealing (see tunnel_inner.h).
#include "sa/tunnel_inner.h"

#include "wire/checksum.h"
#include "wire/constants.h"
#include "wire/ipv4.h"

namespace ainet::sa {

wire::IpPacketInfo TunnelInner::policy_input() const {
  wire::IpPacketInfo info;
  info.family = family;
  info.total_len = total_len;
  info.tos = tos;
  info.dont_fragment = dont_fragment;
  return info;
}

Result<TunnelInner> parse_tunnel_inner(ByteSpan p) {
  if (p.empty()) return Errc::truncated;
  TunnelInner t;
  switch (p[0] >> 4) {
    case 4: {
      if (p.size() < wire::kIpv4MinHeaderLen) return Errc::truncated;
      const size_t ihl = size_t{p[0] & 0x0fU} * 4;
      if (ihl < wire::kIpv4MinHeaderLen) return Errc::malformed;  // RFC 791 §3.1: IHL >= 5
      if (p.size() < ihl) return Errc::truncated;
      t.total_len = load_be16(&p[2]);
      // RFC 791 §3.1: Total Length counts the header.
      if (t.total_len < ihl) return Errc::malformed;
      if (p.size() < t.total_len) return Errc::truncated;
      // RFC 791 §3.1: summing the header including its checksum gives zero.
      if (wire::internet_checksum(p.first(ihl)) != 0) return Errc::bad_checksum;
      t.family = wire::IpFamily::v4;
      t.tos = p[1];
      t.dont_fragment = (load_be16(&p[6]) & wire::kIpv4FlagDontFragment) != 0;
      return t;
    }
    case 6: {
      if (p.size() < wire::kIpv6HeaderLen) return Errc::truncated;
      const size_t payload_len = load_be16(&p[4]);
      // RFC 2675 §3: a zero Payload Length with a Hop-by-Hop header is a jumbogram.
      if (payload_len == 0 && p[6] == wire::kProtoHopByHop && p.size() > wire::kIpv6HeaderLen)
        return Errc::unsupported;
      if (p.size() - wire::kIpv6HeaderLen < payload_len) return Errc::truncated;
      t.family = wire::IpFamily::v6;
      t.total_len = wire::kIpv6HeaderLen + payload_len;
      // RFC 8200 §3: version(4) | traffic class(8) | flow label(20).
      t.tos = static_cast<uint8_t>(((p[0] & 0x0fU) << 4) | (p[1] >> 4));
      t.dont_fragment = true;  // RFC 8200 §5: routers never fragment IPv6
      return t;
    }
    default:
      return Errc::bad_version;
  }
}

}  // namespace ainet::sa
