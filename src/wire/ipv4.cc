#include "wire/ipv4.h"

#include "wire/checksum.h"

namespace ainet::wire {

Result<Ipv4Header> parse_ipv4(ByteSpan packet) {
  if (packet.empty()) return Errc::truncated;
  if ((packet[0] >> 4) != 4) return Errc::bad_version;
  if (packet.size() < kIpv4MinHeaderLen) return Errc::truncated;
  ByteReader r(packet);
  const uint8_t ver_ihl = r.u8();
  const size_t hlen = size_t{static_cast<uint8_t>(ver_ihl & 0x0f)} * 4;
  if (hlen < kIpv4MinHeaderLen) return Errc::malformed;  // RFC 791 §3.1: IHL >= 5
  Ipv4Header h;
  h.tos = r.u8();
  h.total_len = r.u16();
  h.id = r.u16();
  h.flags_frag = r.u16();
  h.ttl = r.u8();
  h.protocol = r.u8();
  h.checksum = r.u16();
  h.src = IpAddress::from_bytes(r.bytes(4)).value();
  h.dst = IpAddress::from_bytes(r.bytes(4)).value();
  if (!r.ok()) return Errc::truncated;
  if (packet.size() < hlen) return Errc::truncated;
  if (h.total_len < hlen) return Errc::malformed;  // RFC 791 §3.1: total length includes header
  if (packet.size() < h.total_len) return Errc::truncated;
  // RFC 791 §3.1: the checksum field is the 16-bit one's complement of the one's
  // complement sum of the header; summing the header including it gives zero.
  if (internet_checksum(packet.first(hlen)) != 0) return Errc::bad_checksum;
  h.options = packet.subspan(kIpv4MinHeaderLen, hlen - kIpv4MinHeaderLen);
  h.payload = packet.subspan(hlen, h.total_len - hlen);
  return h;
}

Status write_ipv4_header(ByteWriter& w, const Ipv4Header& h) {
  if (!h.src.is_v4() || !h.dst.is_v4()) return Errc::invalid_argument;
  // RFC 791 §3.1: options pad the header to a multiple of 32 bits, IHL <= 15.
  if (h.options.size() % 4 != 0 || h.header_len() > kIpv4MaxHeaderLen)
    return Errc::invalid_argument;
  const size_t hlen = h.header_len();
  MutByteSpan hdr = w.reserve(hlen);
  if (hdr.empty()) return Errc::buffer_too_small;
  ByteWriter hw(hdr);
  hw.u8(static_cast<uint8_t>(0x40 | (hlen / 4)));
  hw.u8(h.tos);
  hw.u16(h.total_len);
  hw.u16(h.id);
  hw.u16(h.flags_frag);
  hw.u8(h.ttl);
  hw.u8(h.protocol);
  hw.u16(0);  // checksum computed over the header with this field zero
  hw.bytes(h.src.bytes());
  hw.bytes(h.dst.bytes());
  hw.bytes(h.options);
  store_be16(&hdr[10], internet_checksum(hdr));
  return Errc::ok;
}

Status ipv4_update_checksum(MutByteSpan packet) {
  if (packet.size() < kIpv4MinHeaderLen) return Errc::truncated;
  if ((packet[0] >> 4) != 4) return Errc::bad_version;
  const size_t hlen = size_t{static_cast<uint8_t>(packet[0] & 0x0f)} * 4;
  if (hlen < kIpv4MinHeaderLen) return Errc::malformed;
  if (packet.size() < hlen) return Errc::truncated;
  store_be16(&packet[10], 0);
  store_be16(&packet[10], internet_checksum(packet.first(hlen)));
  return Errc::ok;
}

}  // namespace ainet::wire
