#include "io/virtio_net_hdr.h"

#include <cstring>

#include "wire/checksum.h"

namespace ainet::io {

namespace {

constexpr uint8_t kProtoTcp = 6;
constexpr size_t kTcpMinHeader = 20;  // RFC 9293 §3.1
constexpr size_t kTcpChecksumField = 16;

uint16_t load_host16(const uint8_t* p) {
  uint16_t v;
  std::memcpy(&v, p, 2);
  return v;
}
void store_host16(uint8_t* p, uint16_t v) {
  std::memcpy(p, &v, 2);
}

}  // namespace

Result<VirtioNetHdr> parse_virtio_net_hdr(ByteSpan buf) {
  if (buf.size() < kVirtioNetHdrSize) return Errc::truncated;
  VirtioNetHdr h;
  h.flags = buf[0];
  h.gso_type = buf[1];
  h.hdr_len = load_host16(&buf[2]);
  h.gso_size = load_host16(&buf[4]);
  h.csum_start = load_host16(&buf[6]);
  h.csum_offset = load_host16(&buf[8]);
  return h;
}

Status write_virtio_net_hdr(const VirtioNetHdr& h, MutByteSpan out) {
  if (out.size() < kVirtioNetHdrSize) return Errc::buffer_too_small;
  out[0] = h.flags;
  out[1] = h.gso_type;
  store_host16(&out[2], h.hdr_len);
  store_host16(&out[4], h.gso_size);
  store_host16(&out[6], h.csum_start);
  store_host16(&out[8], h.csum_offset);
  return Errc::ok;
}

Status validate_virtio_net_hdr(const VirtioNetHdr& h, ByteSpan packet) {
  if ((h.flags & ~(kVnetFlagNeedsCsum | kVnetFlagDataValid)) != 0) return Errc::malformed;
  const uint8_t kind = h.gso_kind();
  if (kind == kVnetGsoUdp || kind == kVnetGsoUdpL4) return Errc::unsupported;
  if (kind != kVnetGsoNone && kind != kVnetGsoTcpV4 && kind != kVnetGsoTcpV6)
    return Errc::malformed;
  if (kind == kVnetGsoNone && (h.gso_type & kVnetGsoEcn)) return Errc::malformed;
  if (h.needs_csum() && size_t{h.csum_start} + h.csum_offset + 2 > packet.size())
    return Errc::malformed;
  if (kind == kVnetGsoNone) return Errc::ok;

  // A super-packet: everything the segmenter relies on.
  if (!h.needs_csum() || h.gso_size == 0) return Errc::malformed;
  if (h.hdr_len > packet.size()) return Errc::malformed;
  if (packet.empty()) return Errc::truncated;
  size_t ip_len = 0;
  if (kind == kVnetGsoTcpV4) {
    // RFC 791 §3.1: version 4, IHL >= 5, protocol TCP, not a fragment (MF
    // clear, fragment offset 0).
    if (packet.size() < 20) return Errc::truncated;
    if ((packet[0] >> 4) != 4) return Errc::bad_version;
    ip_len = size_t{packet[0] & 0x0fu} * 4;
    if (ip_len < 20) return Errc::malformed;
    if (packet[9] != kProtoTcp) return Errc::malformed;
    if ((load_be16(&packet[6]) & 0x3fff) != 0) return Errc::unsupported;
    if (packet.size() > 0xffff) return Errc::malformed;  // beyond the total length field
  } else {
    // RFC 8200 §3: version 6, next header TCP directly (a super-packet with
    // extension headers is not produced for locally generated TCP; refused).
    if (packet.size() < 40) return Errc::truncated;
    if ((packet[0] >> 4) != 6) return Errc::bad_version;
    if (packet[6] != kProtoTcp) return Errc::unsupported;
    if (packet.size() - 40 > 0xffff) return Errc::malformed;  // beyond the payload length field
    ip_len = 40;
  }
  if (h.csum_start != ip_len || h.csum_offset != kTcpChecksumField) return Errc::malformed;
  if (packet.size() < ip_len + kTcpMinHeader) return Errc::truncated;
  const size_t tcp_len =
      static_cast<size_t>(packet[ip_len + 12] >> 4) * 4;  // data offset, RFC 9293 §3.1
  if (tcp_len < kTcpMinHeader) return Errc::malformed;
  if (packet.size() < ip_len + tcp_len) return Errc::truncated;
  return Errc::ok;
}

void complete_partial_checksum(const VirtioNetHdr& h, MutByteSpan packet) {
  if (!h.needs_csum()) return;
  // The field holds the pseudo-header sum, so summing from csum_start over
  // the field as it is gives the whole sum (virtio spec 1.2 §5.1.6.2).
  wire::InternetChecksum c;
  c.add(ByteSpan(packet).subspan(h.csum_start));
  uint16_t sum = c.finish();
  // 0 and 0xffff are the same one's-complement value; 0 means "no checksum"
  // to UDP over IPv4 and is forbidden over IPv6 (RFC 768, RFC 8200 §8.1).
  if (sum == 0) sum = 0xffff;
  store_be16(&packet[size_t{h.csum_start} + h.csum_offset], sum);
}

}  // namespace ainet::io
