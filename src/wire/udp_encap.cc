#include "wire/udp_encap.h"

#include "wire/checksum.h"

namespace ainet::wire {

Result<UdpEncapPayload> classify_udp_encap(ByteSpan udp_payload) {
  if (udp_payload.empty()) return Errc::truncated;
  UdpEncapPayload p;
  // RFC 3948 §2.3: NAT-keepalive is a single octet 0xFF; receivers ignore it.
  if (udp_payload.size() == 1) {
    if (udp_payload[0] != kNatKeepaliveByte) return Errc::malformed;
    p.kind = UdpEncapKind::keepalive;
    return p;
  }
  if (udp_payload.size() < kNonEspMarkerLen) return Errc::malformed;
  // RFC 3948 §2.2: a zero 32-bit word where the SPI would be marks IKE; an SPI
  // of zero is never valid (RFC 4303 §2.1), so the two cannot be confused.
  if (load_be32(udp_payload.data()) == 0) {
    p.kind = UdpEncapKind::ike;
    p.data = udp_payload.subspan(kNonEspMarkerLen);
    return p;
  }
  // RFC 3948 §2.1: the ESP header follows the UDP header directly; it needs at
  // least SPI and sequence number.
  if (udp_payload.size() < kEspHeaderLen) return Errc::malformed;
  p.kind = UdpEncapKind::esp;
  p.data = udp_payload;
  return p;
}

Result<UdpHeader> parse_udp(ByteSpan datagram) {
  ByteReader r(datagram);
  UdpHeader h;
  h.src_port = r.u16();
  h.dst_port = r.u16();
  h.length = r.u16();
  h.checksum = r.u16();
  if (!r.ok()) return Errc::truncated;
  if (h.length < kUdpHeaderLen) return Errc::malformed;  // RFC 768: length includes the header
  if (datagram.size() < h.length) return Errc::truncated;
  h.payload = datagram.subspan(kUdpHeaderLen, h.length - kUdpHeaderLen);
  return h;
}

uint16_t udp_checksum(const IpAddress& src, const IpAddress& dst, ByteSpan datagram) {
  // RFC 768 / RFC 8200 §8.1; the checksum field sits at offset 6.
  return pseudo_header_checksum(src, dst, kProtoUdp, datagram, 6);
}

Status verify_udp_checksum(const IpAddress& src, const IpAddress& dst, ByteSpan datagram) {
  if (src.family() != dst.family()) return Errc::invalid_argument;
  if (datagram.size() < kUdpHeaderLen) return Errc::truncated;
  const uint16_t stored = load_be16(&datagram[6]);
  if (stored == 0) {
    // RFC 768: zero means "no checksum" (IPv4 only; RFC 3948 §2.1 senders SHOULD
    // send zero). RFC 8200 §8.1: IPv6 receivers discard a zero checksum.
    return src.is_v4() ? Errc::ok : Errc::bad_checksum;
  }
  uint16_t computed = udp_checksum(src, dst, datagram);
  if (computed == 0) computed = 0xffff;  // RFC 768: a computed zero is sent as all ones
  return computed == stored ? Errc::ok : Errc::bad_checksum;
}

Status finalize_udp_header(MutByteSpan datagram, const IpAddress& src, const IpAddress& dst,
                           uint16_t src_port, uint16_t dst_port, bool with_checksum) {
  if (src.family() != dst.family()) return Errc::invalid_argument;
  if (datagram.size() < kUdpHeaderLen) return Errc::truncated;
  if (datagram.size() > kMaxIpPacketLen) return Errc::limit;
  if (!with_checksum && src.is_v6()) return Errc::invalid_argument;  // RFC 8200 §8.1
  store_be16(&datagram[0], src_port);
  store_be16(&datagram[2], dst_port);
  store_be16(&datagram[4], static_cast<uint16_t>(datagram.size()));
  store_be16(&datagram[6], 0);
  if (with_checksum) {
    uint16_t c = udp_checksum(src, dst, datagram);
    if (c == 0) c = 0xffff;  // RFC 768
    store_be16(&datagram[6], c);
  }
  return Errc::ok;
}

}  // namespace ainet::wire
