#include "wire/esp.h"

#include <numeric>

namespace ainet::wire {

Result<EspHeader> parse_esp_header(ByteSpan esp) {
  ByteReader r(esp);
  EspHeader h;
  h.spi = r.u32();
  h.seq_lo = r.u32();
  if (!r.ok()) return Errc::truncated;
  if (h.spi < kMinValidSpi) return Errc::malformed;  // RFC 4303 §2.1
  return h;
}

Status write_esp_header(ByteWriter& w, const EspHeader& h) {
  if (h.spi < kMinValidSpi) return Errc::invalid_argument;  // RFC 4303 §2.1: never send 0..255
  if (w.remaining() < kEspHeaderLen) return Errc::buffer_too_small;
  w.u32(h.spi);
  w.u32(h.seq_lo);
  return Errc::ok;
}

Result<EspView> split_esp(ByteSpan esp, size_t iv_len, size_t icv_len, size_t block_size) {
  if (block_size == 0) return Errc::invalid_argument;
  auto h = parse_esp_header(esp);
  if (!h) return h.error();
  const size_t fixed = kEspHeaderLen + iv_len + icv_len;
  if (esp.size() < fixed || esp.size() - fixed < kEspTrailerLen) return Errc::truncated;
  const size_t ct_len = esp.size() - fixed;
  // RFC 4303 §2.4: the ciphertext is a whole number of cipher blocks and ends
  // with Pad Length/Next Header right-aligned in a 4-byte word.
  if (ct_len % block_size != 0 || ct_len % 4 != 0) return Errc::malformed;
  EspView v;
  v.header = *h;
  v.header_bytes = esp.first(kEspHeaderLen);
  v.iv = esp.subspan(kEspHeaderLen, iv_len);
  v.ciphertext = esp.subspan(kEspHeaderLen + iv_len, ct_len);
  v.icv = esp.subspan(kEspHeaderLen + iv_len + ct_len, icv_len);
  return v;
}

Result<uint8_t> esp_pad_length(size_t payload_len, size_t block_size, size_t min_total) {
  if (block_size == 0 || block_size > kEspMaxPadLen) return Errc::invalid_argument;
  // RFC 4303 §2.4: payload + padding + 2 must fill whole cipher blocks and end
  // on a 4-byte boundary, so round up to a multiple of lcm(block_size, 4).
  const size_t unit = std::lcm(block_size, size_t{4});
  size_t target = payload_len + kEspTrailerLen;
  if (min_total > target) target = min_total;
  target = (target + unit - 1) / unit * unit;
  const size_t pad = target - payload_len - kEspTrailerLen;
  if (pad > kEspMaxPadLen) return Errc::limit;
  return static_cast<uint8_t>(pad);
}

Status write_esp_trailer(ByteWriter& w, uint8_t pad_len, uint8_t next_header) {
  MutByteSpan t = w.reserve(size_t{pad_len} + kEspTrailerLen);
  if (t.empty()) return Errc::buffer_too_small;
  // RFC 4303 §2.4: default padding is the monotonically increasing series 1, 2, 3, ...
  for (size_t i = 0; i < pad_len; ++i) t[i] = static_cast<uint8_t>(i + 1);
  t[pad_len] = pad_len;
  t[size_t{pad_len} + 1] = next_header;
  return Errc::ok;
}

Result<EspTrailer> parse_esp_trailer(ByteSpan plaintext) {
  if (plaintext.size() < kEspTrailerLen) return Errc::truncated;
  EspTrailer t;
  t.pad_len = plaintext[plaintext.size() - 2];
  t.next_header = plaintext[plaintext.size() - 1];
  if (size_t{t.pad_len} + kEspTrailerLen > plaintext.size()) return Errc::bad_padding;
  t.payload_len = plaintext.size() - kEspTrailerLen - t.pad_len;
  // RFC 4303 §2.4: with the default padding scheme the receiver checks that the
  // pad bytes are 1, 2, 3, ...
  const ByteSpan pad = plaintext.subspan(t.payload_len, t.pad_len);
  for (size_t i = 0; i < pad.size(); ++i)
    if (pad[i] != static_cast<uint8_t>(i + 1)) return Errc::bad_padding;
  return t;
}

}  // namespace ainet::wire
