#include "wire/ipv6.h"

namespace ainet::wire {

Result<Ipv6Header> parse_ipv6(ByteSpan packet) {
  if (packet.empty()) return Errc::truncated;
  if ((packet[0] >> 4) != 6) return Errc::bad_version;
  ByteReader r(packet);
  const uint32_t vtf = r.u32();  // RFC 8200 §3: version(4) | traffic class(8) | flow label(20)
  Ipv6Header h;
  h.traffic_class = static_cast<uint8_t>(vtf >> 20);
  h.flow_label = vtf & 0xfffff;
  h.payload_len = r.u16();
  h.next_header = r.u8();
  h.hop_limit = r.u8();
  ByteSpan src = r.bytes(16);
  ByteSpan dst = r.bytes(16);
  if (!r.ok()) return Errc::truncated;
  h.src = IpAddress::from_bytes(src).value();
  h.dst = IpAddress::from_bytes(dst).value();
  // RFC 2675 §3: a zero Payload Length with a Hop-by-Hop header is a jumbogram.
  if (h.payload_len == 0 && h.next_header == kProtoHopByHop && packet.size() > kIpv6HeaderLen)
    return Errc::unsupported;
  if (packet.size() - kIpv6HeaderLen < h.payload_len) return Errc::truncated;
  h.payload = packet.subspan(kIpv6HeaderLen, h.payload_len);
  return h;
}

Status write_ipv6_header(ByteWriter& w, const Ipv6Header& h) {
  if (!h.src.is_v6() || !h.dst.is_v6()) return Errc::invalid_argument;
  if (w.remaining() < kIpv6HeaderLen) return Errc::buffer_too_small;
  w.u32((uint32_t{6} << 28) | (uint32_t{h.traffic_class} << 20) | (h.flow_label & 0xfffff));
  w.u16(h.payload_len);
  w.u8(h.next_header);
  w.u8(h.hop_limit);
  w.bytes(h.src.bytes());
  w.bytes(h.dst.bytes());
  return w.ok() ? Errc::ok : Errc::buffer_too_small;
}

Result<Ipv6UpperLayer> skip_ipv6_extension_headers(ByteSpan packet) {
  auto hdr = parse_ipv6(packet);
  if (!hdr) return hdr.error();
  // Only the bytes covered by Payload Length belong to the packet.
  const ByteSpan pkt = packet.first(kIpv6HeaderLen + hdr->payload_len);
  Ipv6UpperLayer out;
  uint8_t nh = hdr->next_header;
  size_t off = kIpv6HeaderLen;
  for (size_t count = 0;; ++count) {
    switch (nh) {
      case kProtoHopByHop:
        // RFC 8200 §4.1: Hop-by-Hop Options only immediately after the IPv6 header.
        if (count != 0) return Errc::malformed;
        [[fallthrough]];
      case kProtoRouting:
      case kProtoDestOpts: {
        if (count >= kMaxIpv6ExtensionHeaders) return Errc::limit;
        // RFC 8200 §4.3/§4.4/§4.6: Next Header(1) | Hdr Ext Len(1) in 8-octet
        // units, not including the first 8 octets.
        if (pkt.size() - off < 2) return Errc::truncated;
        const size_t len = (size_t{pkt[off + 1]} + 1) * 8;
        if (pkt.size() - off < len) return Errc::truncated;
        nh = pkt[off];
        off += len;
        break;
      }
      case kProtoFragment: {
        if (count >= kMaxIpv6ExtensionHeaders) return Errc::limit;
        // RFC 8200 §4.5: Next Header(1) | Reserved(1) | Offset(13) Res(2) M(1) | Id(4).
        if (pkt.size() - off < 8) return Errc::truncated;
        const uint16_t fo_m = load_be16(&pkt[off + 2]);
        out.is_fragment = true;
        out.fragment_offset = static_cast<uint16_t>(fo_m >> 3);
        out.more_fragments = (fo_m & 1) != 0;
        nh = pkt[off];
        off += 8;
        if (out.fragment_offset != 0) {
          // A later fragment: the bytes that follow are not a header.
          out.protocol = nh;
          out.offset = off;
          return out;
        }
        break;
      }
      default:
        // AH, ESP, No Next Header and every upper-layer protocol stop the walk.
        out.protocol = nh;
        out.offset = off;
        return out;
    }
  }
}

}  // namespace ainet::wire
