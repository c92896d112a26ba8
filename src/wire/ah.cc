#include "wire/ah.h"

#include <algorithm>

#include "wire/esp.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ainet::wire {

namespace {

// RFC 4302 §2.2: Payload Length is one byte, so AH is at most (255 + 2) * 4.
constexpr size_t kAhMaxLen = (255 + 2) * 4;

// RFC 4302 Appendix A1: IPv4 options that are immutable in transit.
bool ipv4_option_is_immutable(uint8_t type) {
  switch (type) {
    case 0:    // End of Options List
    case 1:    // No Operation
    case 130:  // Security (RFC 1108)
    case 133:  // Extended Security (RFC 1108)
    case 134:  // Commercial Security
    case 148:  // Router Alert (RFC 2113)
    case 149:  // Sender Directed Multi-Destination Delivery (RFC 1770)
      return true;
    default:
      return false;
  }
}

void zero(MutByteSpan s) { std::fill(s.begin(), s.end(), uint8_t{0}); }

// RFC 4302 §3.3.3.1.1.2 / Appendix A1: every option not listed as immutable is
// zeroed as a whole. Loose/Strict Source Route also make the destination
// address "mutable but predictable", which ainet does not construct.
Status zero_ipv4_options(MutByteSpan opts) {
  size_t i = 0;
  while (i < opts.size()) {
    const uint8_t type = opts[i];
    if (type == 0) break;  // RFC 791: End of Option List; the rest is padding
    if (type == 1) {       // RFC 791: No Operation, a single byte
      ++i;
      continue;
    }
    if (opts.size() - i < 2) return Errc::malformed;
    const size_t len = opts[i + 1];
    if (len < 2 || len > opts.size() - i) return Errc::malformed;
    if (type == 131 || type == 137) return Errc::unsupported;
    if (!ipv4_option_is_immutable(type)) zero(opts.subspan(i, len));
    i += len;
  }
  return Errc::ok;
}

// RFC 4302 §3.3.3.1.2.2 / Appendix A2: in Hop-by-Hop and Destination Options
// headers, the Option Data of every option whose type has the "change en
// route" bit (RFC 8200 §4.2: third-highest bit, 0x20) is zeroed; type and
// length stay in the ICV.
Status zero_ipv6_mutable_options(MutByteSpan opts) {
  size_t i = 0;
  while (i < opts.size()) {
    const uint8_t type = opts[i];
    if (type == 0) {  // RFC 8200 §4.2: Pad1 has no length byte
      ++i;
      continue;
    }
    if (opts.size() - i < 2) return Errc::malformed;
    const size_t dlen = opts[i + 1];
    if (dlen > opts.size() - i - 2) return Errc::malformed;
    if ((type & 0x20) != 0) zero(opts.subspan(i + 2, dlen));
    i += 2 + dlen;
  }
  return Errc::ok;
}

}  // namespace

Result<AhHeader> parse_ah_header(ByteSpan ah, bool is_ipv6) {
  ByteReader r(ah);
  AhHeader h;
  h.next_header = r.u8();
  h.payload_len_words = r.u8();
  h.reserved = r.u16();
  h.spi = r.u32();
  h.seq_lo = r.u32();
  if (!r.ok()) return Errc::truncated;
  const size_t total = h.total_len();
  // RFC 4302 §2.2: length in 32-bit words minus 2; must cover the fixed part,
  // and for IPv6 be a multiple of 8 bytes (§2.6).
  if (total < kAhFixedLen) return Errc::malformed;
  if (is_ipv6 && total % 8 != 0) return Errc::malformed;
  if (h.spi < kMinValidSpi) return Errc::malformed;  // RFC 4302 §2.4
  if (ah.size() < total) return Errc::truncated;
  h.icv_field = ah.subspan(kAhFixedLen, total - kAhFixedLen);
  return h;
}

Result<MutByteSpan> write_ah_header(ByteWriter& w, uint8_t next_header, uint32_t spi,
                                    uint32_t seq_lo, size_t icv_len, bool is_ipv6) {
  const size_t total = ah_header_len(icv_len, is_ipv6);
  if (total > kAhMaxLen) return Errc::invalid_argument;
  if (spi < kMinValidSpi) return Errc::invalid_argument;  // RFC 4302 §2.4
  MutByteSpan out = w.reserve(total);
  if (out.empty()) return Errc::buffer_too_small;
  ByteWriter hw(out);
  hw.u8(next_header);
  hw.u8(static_cast<uint8_t>(total / 4 - 2));  // RFC 4302 §2.2
  hw.u16(0);                                   // RFC 4302 §2.3: Reserved, sent as zero
  hw.u32(spi);
  hw.u32(seq_lo);
  hw.zeros(total - kAhFixedLen);  // ICV (zero while computing, §3.3.3.1) + padding (§2.6)
  return out.subspan(kAhFixedLen, icv_len);
}

Result<AhLocation> locate_ah(ByteSpan ip_packet) {
  if (ip_packet.empty()) return Errc::truncated;
  AhLocation loc;
  ByteSpan ah_bytes;
  if ((ip_packet[0] >> 4) == 4) {
    auto h = parse_ipv4(ip_packet);
    if (!h) return h.error();
    // RFC 4302 §3.4.1: AH applies to whole packets; fragments are reassembled first.
    if (h->is_fragment()) return Errc::unsupported;
    if (h->protocol != kProtoAh) return Errc::not_found;
    loc.family = IpFamily::v4;
    loc.ah_offset = h->header_len();
    loc.packet_len = h->total_len;
    ah_bytes = h->payload;
  } else if ((ip_packet[0] >> 4) == 6) {
    auto upper = skip_ipv6_extension_headers(ip_packet);
    if (!upper) return upper.error();
    if (upper->is_fragment) return Errc::unsupported;  // RFC 4302 §3.4.1
    if (upper->protocol != kProtoAh) return Errc::not_found;
    loc.family = IpFamily::v6;
    loc.ah_offset = upper->offset;
    loc.packet_len = kIpv6HeaderLen + load_be16(&ip_packet[4]);
    ah_bytes = ip_packet.subspan(loc.ah_offset, loc.packet_len - loc.ah_offset);
  } else {
    return Errc::bad_version;
  }
  auto ah = parse_ah_header(ah_bytes, loc.family == IpFamily::v6);
  if (!ah) return ah.error();
  loc.ah = *ah;
  loc.payload_offset = loc.ah_offset + ah->total_len();
  return loc;
}

Result<AhLocation> ah_zero_mutable_fields(MutByteSpan scratch, size_t icv_len) {
  auto loc = locate_ah(scratch);
  if (!loc) return loc.error();
  // The ICV field must hold the SA's ICV plus at most alignment padding.
  const size_t field = loc->ah.icv_field.size();
  if (icv_len > field || field - icv_len >= 8) return Errc::malformed;

  ah_zero_mutable_fixed_header(scratch);
  if (loc->family == IpFamily::v4) {
    if (Status s = zero_ipv4_options(scratch.subspan(kIpv4MinHeaderLen,
                                                     loc->ah_offset - kIpv4MinHeaderLen));
        !ok(s))
      return s;
  } else {
    // Extension headers before AH (the walk already validated their lengths).
    uint8_t nh = scratch[6];
    size_t off = kIpv6HeaderLen;
    while (off < loc->ah_offset) {
      const size_t len = (size_t{scratch[off + 1]} + 1) * 8;
      if (nh == kProtoHopByHop || nh == kProtoDestOpts) {
        if (Status s = zero_ipv6_mutable_options(scratch.subspan(off + 2, len - 2)); !ok(s))
          return s;
      } else if (nh == kProtoRouting) {
        // RFC 4302 Appendix A2: routing headers are mutable but predictable;
        // with Segments Left = 0 the header is as the receiver sees it.
        if (scratch[off + 3] != 0) return Errc::unsupported;
      } else {
        return Errc::unsupported;  // not reachable: locate_ah refuses fragments
      }
      nh = scratch[off];
      off += len;
    }
  }
  // RFC 4302 §3.3.3.1: the ICV is zeroed; the padding after it is kept (§2.6).
  zero(scratch.subspan(loc->ah_offset + kAhFixedLen, icv_len));
  return loc;
}

}  // namespace ainet::wire
