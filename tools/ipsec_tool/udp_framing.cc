#include "udp_framing.h"

#include "wire/ip_packet.h"
#include "wire/udp_encap.h"

namespace ainet::tools {

size_t udp_encap_headroom(wire::IpFamily family) {
  return wire::outer_header_len(family) + wire::kUdpHeaderLen;
}

Result<size_t> frame_udp_encap(const UdpEncapEndpoints& ep, size_t esp_len, MutByteSpan out) {
  const size_t ip_len = wire::outer_header_len(ep.src.family());
  const size_t udp_len = wire::kUdpHeaderLen + esp_len;
  if (out.size() < ip_len + udp_len) return Errc::buffer_too_small;
  // RFC 3948 §2.1: IPv4 senders SHOULD send a zero UDP checksum.
  const bool with_checksum = ep.src.is_v6();
  const Status st = wire::finalize_udp_header(out.subspan(ip_len, udp_len), ep.src, ep.dst,
                                              ep.src_port, ep.dst_port, with_checksum);
  if (!ok(st)) return st;
  wire::OuterHeaderSpec spec;
  spec.src = ep.src;
  spec.dst = ep.dst;
  spec.protocol = wire::kProtoUdp;
  spec.payload_len = udp_len;
  auto hdr = wire::build_outer_header(spec, out);
  if (!hdr) return hdr.error();
  return ip_len + udp_len;
}

Result<MutByteSpan> unframe_udp_encap(MutByteSpan packet) {
  auto ip = wire::parse_ip_packet(packet);
  if (!ip) return ip.error();
  if (ip->protocol != wire::kProtoUdp || ip->is_fragment) return Errc::unsupported;
  if (ip->total_len > packet.size() || ip->payload_offset > ip->total_len) return Errc::truncated;
  MutByteSpan datagram = packet.subspan(ip->payload_offset, ip->total_len - ip->payload_offset);
  auto udp = wire::parse_udp(datagram);
  if (!udp) return udp.error();
  datagram = datagram.first(udp->length);
  const Status st = wire::verify_udp_checksum(ip->src, ip->dst, datagram);
  if (!ok(st)) return st;
  auto kind = wire::classify_udp_encap(udp->payload);
  if (!kind) return kind.error();
  if (kind->kind != wire::UdpEncapKind::esp) return Errc::unsupported;
  return datagram.subspan(wire::kUdpHeaderLen);
}

}  // namespace ainet::tools
