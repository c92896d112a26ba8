// AH packet processing (RFC 4302 §3.3 outbound, §3.4 inbound), tunnel mode:
//
//   outer IP | NextHdr(1) PayloadLen(1) Reserved(2) | SPI(4) | Seq(4) | ICV field | payload
//
// The ICV field holds the tag (HMAC-SHA-256-128, RFC 4868) or IV || tag
// (AES-GMAC, RFC 4543 §4), then padding to 4 (IPv4) or 8 (IPv6) bytes.
#include <cstring>

#include "sa/security_association.h"
#include "wire/ah.h"
#include "wire/constants.h"
#include "wire/esp.h"
#include "wire/ipv4.h"

namespace ainet::sa {

namespace {

// Where the AH header is in an outer packet, and what is around it.
struct AhOuter {
  wire::IpFamily family = wire::IpFamily::v4;
  size_t header_len = 0;  // outer IP header length (AH starts here)
  size_t total_len = 0;   // IP packet length (link padding after it is ignored)
  uint8_t tos = 0;
};

// A tolerant outer-header parse for AH. The IPv4 header checksum is NOT
// checked: RFC 4302 §3.3.3.1.1.1 makes it a mutable field outside the ICV,
// and every immutable field it could protect is covered by the ICV itself.
Result<AhOuter> parse_ah_outer(ByteSpan p) {
  if (p.empty()) return Errc::truncated;
  AhOuter o;
  const uint8_t version = p[0] >> 4;
  if (version == 4) {
    if (p.size() < wire::kIpv4MinHeaderLen) return Errc::truncated;
    const size_t ihl = size_t{p[0] & 0x0fU} * 4;
    if (ihl < wire::kIpv4MinHeaderLen) return Errc::malformed;
    // IPv4 options would need per-option mutability rules (RFC 4302
    // §3.3.3.1.1.2); ainet never sends them, so they are refused.
    if (ihl != wire::kIpv4MinHeaderLen) return Errc::unsupported;
    o.total_len = load_be16(&p[2]);
    if (o.total_len < ihl) return Errc::malformed;
    if (o.total_len > p.size()) return Errc::truncated;
    // RFC 4302 §3.4.1: AH is applied to whole datagrams; fragments are dropped.
    const uint16_t ff = load_be16(&p[6]);
    if (ff & (wire::kIpv4FlagMoreFragments | wire::kIpv4FragmentOffsetMask)) return Errc::unsupported;
    if (p[9] != wire::kProtoAh) return Errc::unsupported;
    o.family = wire::IpFamily::v4;
    o.header_len = ihl;
    o.tos = p[1];
    return o;
  }
  if (version == 6) {
    if (p.size() < wire::kIpv6HeaderLen) return Errc::truncated;
    const size_t payload_len = load_be16(&p[4]);
    if (payload_len == 0) return Errc::unsupported;  // jumbogram (RFC 2675)
    if (wire::kIpv6HeaderLen + payload_len > p.size()) return Errc::truncated;
    // Extension headers before AH would need their own mutability rules
    // (RFC 4302 §3.3.3.1.2.2); ainet never sends them.
    if (p[6] != wire::kProtoAh) return Errc::unsupported;
    o.family = wire::IpFamily::v6;
    o.header_len = wire::kIpv6HeaderLen;
    o.total_len = wire::kIpv6HeaderLen + payload_len;
    o.tos = static_cast<uint8_t>(((p[0] & 0x0fU) << 4) | (p[1] >> 4));
    return o;
  }
  return Errc::bad_version;
}

// Copies the outer header into `out` with the mutable fields zeroed
// (wire/ah.h, RFC 4302 §3.3.3.1).
void zero_mutable_fields(ByteSpan hdr, uint8_t* out) {
  std::memcpy(out, hdr.data(), hdr.size());
  wire::ah_zero_mutable_fixed_header(MutByteSpan(out, hdr.size()));
}

constexpr uint8_t kZeroTag[16] = {};

}  // namespace

Errc SecurityAssociation::ah_icv(ByteSpan packet, size_t ip_header_len, uint64_t seq,
                                 MutByteSpan icv_out, ByteSpan expected) {
  // RFC 4302 §3.3.3: the ICV covers the IP header with mutable fields zeroed,
  // the AH header with the ICV itself zeroed (padding and, for GMAC, the IV
  // are included as sent, RFC 4302 §2.6 / RFC 4543 §4), and the payload.
  // RFC 4302 §3.3.3.2.1: with ESN the high 32 bits are appended at the end.
  const size_t tag_off = ip_header_len + wire::kAhFixedLen + info().iv_size;
  const size_t tag_end = tag_off + info().icv_size;
  const auto hi = wire::esn_high_bytes(seq);
  const ByteSpan implicit_hi = esn_ ? ByteSpan(hi) : ByteSpan();

  // The zeroed IP header, the AH fields before the ICV and the zeroed ICV are
  // gathered into one stack buffer: feeding the MAC 3 pieces instead of 5
  // measurably lowers the per-packet cost of AES-GMAC (bench/ipsec_bench.cc).
  uint8_t hdr[wire::kIpv6HeaderLen + wire::kAhFixedLen + 16 + 16];
  const size_t ah_fields = tag_off - ip_header_len;
  const size_t hdr_len = tag_end;
  if (ip_header_len > wire::kIpv6HeaderLen || hdr_len > sizeof(hdr)) return Errc::malformed;
  zero_mutable_fields(packet.first(ip_header_len), hdr);
  std::memcpy(hdr + ip_header_len, packet.data() + ip_header_len, ah_fields);
  std::memcpy(hdr + tag_off, kZeroTag, info().icv_size);
  const std::initializer_list<ByteSpan> parts = {ByteSpan(hdr, hdr_len), packet.subspan(tag_end),
                                                 implicit_hi};
  if (hmac())
    return expected.empty() ? hmac()->compute(parts, icv_out) : hmac()->verify(parts, expected);
  // AES-GMAC (RFC 4543 §3.3): the same bytes are all AAD, with an empty
  // plaintext; nonce = salt || the IV carried in the ICV field (§3.1).
  uint8_t nonce[crypto::kGmacNonceSize];
  std::memcpy(nonce, salt_, 4);
  std::memcpy(nonce + 4, packet.data() + ip_header_len + wire::kAhFixedLen, 8);
  return expected.empty() ? gmac()->compute(ByteSpan(nonce), parts, icv_out)
                          : gmac()->verify(ByteSpan(nonce), parts, expected);
}

Result<size_t> SecurityAssociation::ah_seal(uint64_t seq, ByteSpan payload, uint8_t next_header,
                                            const wire::OuterHeaderSpec& outer, MutByteSpan out) {
  const size_t hdr = outer_len();
  const size_t ahl = ah_len(remote_.family());
  const size_t total = hdr + ahl + payload.size();
  if (out.size() < total) return Errc::buffer_too_small;
  uint8_t* p = out.data();
  if (!payload.empty() && payload.data() != p + hdr + ahl)
    std::memmove(p + hdr + ahl, payload.data(), payload.size());

  wire::OuterHeaderSpec spec = outer;
  spec.protocol = wire::kProtoAh;
  spec.payload_len = ahl + payload.size();
  auto h = wire::build_outer_header(spec, out);
  if (!h) return h.error();

  // RFC 4302 §2: Payload Length is the AH length in 32-bit words minus 2.
  uint8_t* ah = p + hdr;
  ah[0] = next_header;
  ah[1] = static_cast<uint8_t>(ahl / 4 - 2);
  ah[2] = 0;  // RFC 4302 §2.3: reserved, zero
  ah[3] = 0;
  store_be32(ah + 4, spi_);
  store_be32(ah + 8, static_cast<uint32_t>(seq));  // RFC 4302 §2.5: low 32 bits
  std::memset(ah + wire::kAhFixedLen, 0, ahl - wire::kAhFixedLen);  // ICV field + padding
  // RFC 4543 §3.1: the GMAC IV is the 64-bit sequence number (unique per key).
  if (info().iv_size) store_be64(ah + wire::kAhFixedLen, seq);
  const MutByteSpan tag(ah + wire::kAhFixedLen + info().iv_size, info().icv_size);
  uint8_t computed[16];
  if (Errc e = ah_icv(ByteSpan(p, total), hdr, seq, MutByteSpan(computed, info().icv_size), {});
      e != Errc::ok)
    return e;
  std::memcpy(tag.data(), computed, info().icv_size);
  return total;
}

Result<OpenedPacket> SecurityAssociation::ah_open(MutByteSpan packet) {
  // 1. Length and outer header.
  auto outer = parse_ah_outer(packet);
  if (!outer) return outer.error();
  const ByteSpan ip = ByteSpan(packet).first(outer->total_len);
  const size_t ahl = ah_len(outer->family);
  if (ip.size() < outer->header_len + ahl) return Errc::truncated;
  const uint8_t* ah = ip.data() + outer->header_len;
  // RFC 4302 §2.2: the length must match this SA's ICV size exactly.
  if (ah[1] != ahl / 4 - 2) return Errc::malformed;

  // 2. SPI.
  if (load_be32(ah + 4) != spi_) return Errc::unknown_spi;

  // 3. Replay pre-check (RFC 4302 §3.4.3), no state change.
  auto seq = replay_.check(load_be32(ah + 8));
  if (!seq) return seq.error();

  // 4. ICV (RFC 4302 §3.4.4).
  uint8_t received[16];
  std::memcpy(received, ah + wire::kAhFixedLen + info().iv_size, info().icv_size);
  if (Errc e = ah_icv(ip, outer->header_len, *seq, MutByteSpan(),
                      ByteSpan(received, info().icv_size));
      e != Errc::ok)
    return e;

  // 5. Window update only after the ICV verified.
  replay_.update(*seq);

  OpenedPacket out;
  out.payload = packet.subspan(outer->header_len + ahl, outer->total_len - outer->header_len - ahl);
  out.next_header = ah[0];
  out.seq = *seq;
  out.outer_tos = outer->tos;
  return out;
}

}  // namespace ainet::sa
