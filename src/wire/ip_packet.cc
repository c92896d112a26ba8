#include "wire/ip_packet.h"

#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ainet::wire {

Result<IpPacketInfo> parse_ip_packet(ByteSpan packet) {
  if (packet.empty()) return Errc::truncated;
  IpPacketInfo info;
  switch (packet[0] >> 4) {
    case 4: {
      auto h = parse_ipv4(packet);
      if (!h) return h.error();
      info.family = IpFamily::v4;
      info.src = h->src;
      info.dst = h->dst;
      info.protocol = h->protocol;
      info.header_len = h->header_len();
      info.total_len = h->total_len;
      info.hop_limit = h->ttl;
      info.tos = h->tos;
      info.dont_fragment = h->dont_fragment();
      info.is_fragment = h->is_fragment();
      break;
    }
    case 6: {
      auto h = parse_ipv6(packet);
      if (!h) return h.error();
      auto upper = skip_ipv6_extension_headers(packet);
      if (!upper) return upper.error();
      info.family = IpFamily::v6;
      info.src = h->src;
      info.dst = h->dst;
      info.protocol = upper->protocol;
      info.header_len = upper->offset;
      info.total_len = kIpv6HeaderLen + h->payload_len;
      info.hop_limit = h->hop_limit;
      info.tos = h->traffic_class;
      info.dont_fragment = true;  // RFC 8200 §5: routers never fragment IPv6
      info.is_fragment = upper->is_fragment;
      break;
    }
    default:
      return Errc::bad_version;
  }
  info.payload_offset = info.header_len;
  return info;
}

Result<size_t> build_outer_header(const OuterHeaderSpec& spec, MutByteSpan out) {
  if (spec.src.family() != spec.dst.family()) return Errc::invalid_argument;
  ByteWriter w(out);
  if (spec.src.is_v4()) {
    if (spec.payload_len > kMaxIpPacketLen - kIpv4MinHeaderLen) return Errc::limit;
    Ipv4Header h;
    h.tos = spec.tos;
    h.total_len = static_cast<uint16_t>(kIpv4MinHeaderLen + spec.payload_len);
    h.id = spec.ipv4_id;
    h.flags_frag = spec.dont_fragment ? kIpv4FlagDontFragment : 0;
    h.ttl = spec.hop_limit;
    h.protocol = spec.protocol;
    h.src = spec.src;
    h.dst = spec.dst;
    if (Status s = write_ipv4_header(w, h); !ok(s)) return s;
    return kIpv4MinHeaderLen;
  }
  if (spec.payload_len > kMaxIpPacketLen) return Errc::limit;
  Ipv6Header h;
  h.traffic_class = spec.tos;
  h.flow_label = spec.flow_label & 0xfffff;
  h.payload_len = static_cast<uint16_t>(spec.payload_len);
  h.next_header = spec.protocol;
  h.hop_limit = spec.hop_limit;
  h.src = spec.src;
  h.dst = spec.dst;
  if (Status s = write_ipv6_header(w, h); !ok(s)) return s;
  return kIpv6HeaderLen;
}

void apply_tunnel_policy(const IpPacketInfo& inner, const TunnelPolicy& policy,
                         OuterHeaderSpec& spec) {
  // RFC 4301 §5.1.2.1: DSCP "copied from inner header (5)" or mapped by
  // configuration; ECN handled as in RFC 3168 §9.2 / RFC 6040 §4.1 (normal
  // mode copies the ECN field). The same holds across families (§5.1.2.2).
  const uint8_t dscp = policy.copy_dscp ? static_cast<uint8_t>(inner.tos & 0xfc) : 0;
  const uint8_t ecn = policy.copy_ecn ? static_cast<uint8_t>(inner.tos & 0x03) : 0;
  spec.tos = static_cast<uint8_t>(dscp | ecn);
  // RFC 4301 §5.1.2.1: DF "copied from inner header (4)"; an IPv6 inner packet
  // is never fragmented en route, so it counts as DF (§5.1.2.2).
  spec.dont_fragment = policy.copy_df && inner.dont_fragment;
}

namespace {
constexpr uint8_t kEcnNotEct = 0;
constexpr uint8_t kEcnEct1 = 1;
constexpr uint8_t kEcnEct0 = 2;
constexpr uint8_t kEcnCe = 3;
}  // namespace

Status propagate_ecn_on_decap(uint8_t outer_tos, MutByteSpan inner_packet) {
  if (inner_packet.empty()) return Errc::truncated;
  const uint8_t version = inner_packet[0] >> 4;
  uint8_t inner_ecn = 0;
  if (version == 4) {
    if (inner_packet.size() < kIpv4MinHeaderLen) return Errc::truncated;
    inner_ecn = inner_packet[1] & 0x03;
  } else if (version == 6) {
    if (inner_packet.size() < kIpv6HeaderLen) return Errc::truncated;
    inner_ecn = (inner_packet[1] >> 4) & 0x03;  // traffic class straddles bytes 0-1
  } else {
    return Errc::bad_version;
  }
  const uint8_t outer_ecn = outer_tos & 0x03;
  uint8_t result = inner_ecn;
  // RFC 6040 §4.2, Figure 4: outer CE marks an ECN-capable inner as CE and
  // drops a Not-ECT inner; outer ECT(1) over inner ECT(0) yields ECT(1).
  if (outer_ecn == kEcnCe) {
    if (inner_ecn == kEcnNotEct) return Errc::malformed;
    result = kEcnCe;
  } else if (outer_ecn == kEcnEct1 && inner_ecn == kEcnEct0) {
    result = kEcnEct1;
  }
  if (result == inner_ecn) return Errc::ok;
  if (version == 4) {
    inner_packet[1] = static_cast<uint8_t>((inner_packet[1] & 0xfc) | result);
    return ipv4_update_checksum(inner_packet);
  }
  inner_packet[1] = static_cast<uint8_t>((inner_packet[1] & 0xcf) | (result << 4));
  return Errc::ok;
}

}  // namespace ainet::wire
