// ESP packet layout (RFC 4303 §2) without the cryptography: header, the
// payload/padding/trailer rules, and the AEAD additional data. The SA layer
// (src/sa) encrypts and authenticates; this file only knows where bytes go.
//
//   SPI(4) | Seq(4) | IV(iv_len) | ciphertext[ payload | pad | padlen | nh ] | ICV
#pragma once
#include <array>
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "wire/constants.h"

namespace ainet::wire {

// RFC 4303 §2.1: SPI 0 is reserved for local use and must not be sent; 1..255
// are reserved by IANA. Values below this are malformed on the wire.
inline constexpr uint32_t kMinValidSpi = 256;
// RFC 4303 §2.4: the Pad Length field is one byte.
inline constexpr size_t kEspMaxPadLen = 255;
// Largest AAD produced by esp_aad (RFC 4106 §5 with ESN).
inline constexpr size_t kEspMaxAadLen = 12;

struct EspHeader {
  uint32_t spi = 0;
  uint32_t seq_lo = 0;  // RFC 4303 §2.2: low 32 bits of the (extended) sequence number
};

// Reads SPI and sequence number from the start of an ESP packet.
// Errors: truncated (< 8 bytes), malformed (SPI < kMinValidSpi).
Result<EspHeader> parse_esp_header(ByteSpan esp);
Status write_esp_header(ByteWriter& w, const EspHeader& h);

// The parts of a received ESP packet, given the SA's IV and ICV sizes.
struct EspView {
  EspHeader header;
  ByteSpan header_bytes;  // the 8 header bytes (integrity-covered, RFC 4303 §3.3.2)
  ByteSpan iv;            // iv_len bytes (0 for ESP-NULL)
  ByteSpan ciphertext;    // encrypted payload|pad|padlen|nh
  ByteSpan icv;           // icv_len bytes
};

// Splits an ESP packet. Errors: truncated (shorter than header + IV + 2-byte
// trailer + ICV), malformed (bad SPI, or ciphertext length not a multiple of
// `block_size` — RFC 4303 §2.4; use 1 for stream/AEAD modes, which still need
// the 4-byte alignment of §2.4 and is checked too).
Result<EspView> split_esp(ByteSpan esp, size_t iv_len, size_t icv_len, size_t block_size);

// RFC 4303 §2.4: number of pad bytes so that payload + pad + 2 is a multiple of
// both block_size (1 for AEAD/stream ciphers) and 4 (the trailer must end
// 4-byte aligned). `min_total` lets a caller ask for extra TFC-style padding up
// to that plaintext size (RFC 4303 §2.4 allows up to 255 pad bytes). Returns
// Errc::limit if the pad would exceed 255 bytes, invalid_argument if
// block_size is 0 or > 255.
Result<uint8_t> esp_pad_length(size_t payload_len, size_t block_size, size_t min_total = 0);

// Writes pad bytes 1, 2, 3, ... pad_len (RFC 4303 §2.4 default padding), then
// Pad Length and Next Header.
Status write_esp_trailer(ByteWriter& w, uint8_t pad_len, uint8_t next_header);

struct EspTrailer {
  size_t payload_len = 0;  // bytes of the inner payload at the front of plaintext
  uint8_t pad_len = 0;
  uint8_t next_header = 0; // 59 = dummy packet to be dropped (RFC 4303 §2.6)
};

// Parses the decrypted plaintext payload|pad|padlen|nh. Errors: truncated
// (< 2 bytes), bad_padding (pad_len + 2 > size, or pad bytes not 1,2,3,...;
// RFC 4303 §2.4 receivers inspect the default padding).
Result<EspTrailer> parse_esp_trailer(ByteSpan plaintext);

// RFC 4106 §5 / RFC 7634 §2.1 AEAD additional data:
//   without ESN: SPI || seq_lo                 (8 bytes)
//   with ESN:    SPI || seq_hi || seq_lo       (12 bytes)
// RFC 4543 §3.2 (GMAC) starts its AAD the same way. The one copy of this
// rule: sa/esp_processing.cc builds every packet's AAD with it. Writes into
// out, which must hold kEspMaxAadLen bytes; returns the length.
inline size_t write_esp_aad(uint8_t* out, uint32_t spi, uint64_t seq, bool esn) {
  store_be32(out, spi);
  if (!esn) {
    store_be32(out + 4, static_cast<uint32_t>(seq));
    return 8;
  }
  store_be32(out + 4, static_cast<uint32_t>(seq >> 32));
  store_be32(out + 8, static_cast<uint32_t>(seq));
  return 12;
}
// The same into a span (>= 8 or 12 bytes, else buffer_too_small).
inline Result<size_t> esp_aad(uint32_t spi, uint64_t seq, bool esn, MutByteSpan out) {
  if (out.size() < (esn ? 12u : 8u)) return Errc::buffer_too_small;
  return write_esp_aad(out.data(), spi, seq, esn);
}

// RFC 4303 §2.2.1 / §3.3.2.1: with ESN, an integrity-only or non-AEAD ICV is
// computed over header || payload || seq_hi; this is the 4-byte seq_hi suffix.
// AH appends the same 4 bytes (RFC 4302 §3.3.3.2.1; sa/ah_processing.cc).
inline std::array<uint8_t, 4> esn_high_bytes(uint64_t seq) {
  std::array<uint8_t, 4> b{};
  store_be32(b.data(), static_cast<uint32_t>(seq >> 32));
  return b;
}

// RFC 4303 Appendix A2.2: reconstructs the 64-bit sequence number of a
// received packet from its low 32 bits, the highest authenticated sequence
// number seen so far (T) and the replay window size W (1..2^31). The one copy
// of this rule: sa::ReplayWindow::check uses it for ESP and AH (RFC 4302
// §3.3.2 refers to the same appendix). Errc::stale where the rule points to
// an epoch that does not exist: before block 0 (case B with Th = 0) or after
// block 2^32 - 1 (case A with Th = 2^32 - 1); such a number cannot be one the
// peer sent. The candidate must still be authenticated before the window moves.
inline Result<uint64_t> esn_infer_seq(uint32_t seq_lo, uint64_t highest_seen,
                                      uint32_t window_size) {
  const uint32_t tl = static_cast<uint32_t>(highest_seen);
  const uint32_t th = static_cast<uint32_t>(highest_seen >> 32);
  const uint32_t w = window_size == 0 ? 1 : window_size;
  const uint32_t bottom = tl - w + 1;  // mod 2^32 on purpose (case B)
  uint32_t seq_hi;
  if (tl >= w - 1) {
    // Case A: the window lies within one 2^32 block; below it is the next block.
    if (seq_lo >= bottom) {
      seq_hi = th;
    } else {
      if (th == UINT32_MAX) return Errc::stale;
      seq_hi = th + 1;
    }
  } else if (seq_lo >= bottom) {
    // Case B: the window spans the previous block's end.
    if (th == 0) return Errc::stale;
    seq_hi = th - 1;
  } else {
    seq_hi = th;
  }
  return (uint64_t{seq_hi} << 32) | seq_lo;
}

}  // namespace ainet::wire
