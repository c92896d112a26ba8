// AH packet layout (RFC 4302 §2) and the ICV input rules (RFC 4302 §3.3.3)
// without cryptography: header codec, ICV alignment, and zeroing of the
// mutable fields of the enclosing IPv4/IPv6 header in a scratch copy.
//
//   NextHdr(1) | PayloadLen(1) | Reserved(2) | SPI(4) | Seq(4) | ICV + pad
#pragma once
#include <array>
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"
#include "wire/ip_address.h"

namespace ainet::wire {

struct AhHeader {
  uint8_t next_header = 0;
  uint8_t payload_len_words = 0;  // RFC 4302 §2.2: AH length in 32-bit words minus 2
  uint16_t reserved = 0;          // RFC 4302 §2.3: sent as 0, covered by the ICV, ignored
  uint32_t spi = 0;
  uint32_t seq_lo = 0;            // RFC 4302 §2.5: low 32 bits of the sequence number
  ByteSpan icv_field;             // ICV plus alignment padding (parse only)

  size_t total_len() const { return (size_t{payload_len_words} + 2) * 4; }
};

// RFC 4302 §2.6: the ICV field is padded so the AH header is a multiple of 32
// bits (IPv4) or 64 bits (IPv6). Returns the padded ICV field length.
constexpr size_t ah_icv_padded_len(size_t icv_len, bool is_ipv6) {
  const size_t align = is_ipv6 ? 8 : 4;
  const size_t total = kAhFixedLen + icv_len;
  return ((total + align - 1) / align) * align - kAhFixedLen;
}
// Whole AH header length for a given ICV size (e.g. 16-byte ICV: 28 v4, 32 v6).
constexpr size_t ah_header_len(size_t icv_len, bool is_ipv6) {
  return kAhFixedLen + ah_icv_padded_len(icv_len, is_ipv6);
}

// Parses an AH header at the start of `ah`. Errors: truncated (fewer than 12
// bytes or than the declared length), malformed (declared length < 12, not
// 8-byte aligned for IPv6 (RFC 4302 §2.2), or SPI < 256 (RFC 4302 §2.4)).
Result<AhHeader> parse_ah_header(ByteSpan ah, bool is_ipv6);

// Writes an AH header with an all-zero ICV field (ICV + padding, RFC 4302
// §3.3.3.1 "the ICV field is set to zero" for computation) and returns the
// icv_len-byte ICV slot inside the writer's buffer, to be filled after the
// ICV is computed. An ICV too long for the 8-bit Payload Length, or an SPI
// below 256, is invalid_argument.
Result<MutByteSpan> write_ah_header(ByteWriter& w, uint8_t next_header, uint32_t spi,
                                    uint32_t seq_lo, size_t icv_len, bool is_ipv6);

// Where AH sits inside an outer IP packet.
struct AhLocation {
  IpFamily family = IpFamily::v4;
  size_t ah_offset = 0;       // offset of the AH header in the packet
  size_t payload_offset = 0;  // offset of the header after AH
  size_t packet_len = 0;      // IPv4 total length / 40 + IPv6 payload length
  AhHeader ah;                // icv_field spans the packet passed in
};

// Finds AH in an IP packet: IPv4 protocol 51 right after the header, IPv6
// after the extension headers that precede it. Errors: as the IP parsers, or
// not_found if the packet carries no AH, unsupported if it is a fragment.
Result<AhLocation> locate_ah(ByteSpan ip_packet);

// RFC 4302 §3.3.3.1.1.1 (IPv4: TOS, flags + fragment offset, TTL, header
// checksum) and §3.3.3.1.2.1 (IPv6: traffic class, flow label, hop limit;
// the version stays): zeroes the mutable fields of the fixed IP header that
// starts `hdr`, as the ICV computation sees them. `hdr` must hold the fixed
// header of its version (20 or 40 bytes); options and extension headers are
// ah_zero_mutable_fields' business. The one copy of this rule: the SA layer's
// per-packet ICV (sa/ah_processing.cc) uses it on a stack copy of the header.
inline void ah_zero_mutable_fixed_header(MutByteSpan hdr) {
  if ((hdr[0] >> 4) == 4) {
    hdr[1] = 0;             // TOS
    hdr[6] = hdr[7] = 0;    // flags + fragment offset
    hdr[8] = 0;             // TTL
    hdr[10] = hdr[11] = 0;  // header checksum
  } else {
    hdr[0] &= 0xf0;                // traffic class (high nibble) ...
    hdr[1] = hdr[2] = hdr[3] = 0;  // ... and flow label
    hdr[7] = 0;                    // hop limit
  }
}

// Prepares the ICV input in place. `scratch` must be a private copy of the
// received (or to-be-sent) packet; on success it holds exactly the bytes the
// ICV is computed over (RFC 4302 §3.3.3.1), first `packet_len` bytes:
//   IPv4 (§3.3.3.1.1.1): TOS, flags+fragment offset, TTL and header checksum
//     zeroed; options (§3.3.3.1.1.2, Appendix A1): immutable ones (0 EOL,
//     1 NOP, 130/133/134 security, 148 router alert, 149 SDMDD) kept, every
//     other option zeroed as a whole; loose/strict source routes (131/137)
//     make the destination mutable-but-predictable: unsupported.
//   IPv6 (§3.3.3.1.2): traffic class, flow label and hop limit zeroed; in
//     Hop-by-Hop and Destination Options headers before AH, the data of each
//     option with the "change en route" bit (0x20 of the type) set is zeroed
//     (RFC 8200 §4.2); a Routing header with Segments Left != 0 is
//     unsupported (mutable but predictable).
//   AH: the first icv_len bytes of the ICV field zeroed (the padding is kept,
//     RFC 4302 §2.6 says it is included in the ICV).
// For ESN (RFC 4302 §2.5.1, §3.3.3.2.1) the caller then feeds
// esn_high_bytes() (wire/esp.h) after these bytes into the MAC. O(n), no allocation. The returned location's
// icv_field spans `scratch` (now zero): read the received ICV from the
// original packet at ah_offset + kAhFixedLen. Errors: those of locate_ah;
// malformed if the ICV field is shorter than icv_len or longer than icv_len
// plus alignment padding, or an option is malformed; unsupported as above.
Result<AhLocation> ah_zero_mutable_fields(MutByteSpan scratch, size_t icv_len);

}  // namespace ainet::wire
