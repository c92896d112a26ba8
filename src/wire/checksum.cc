#include "wire/checksum.h"

namespace ainet::wire {

// RFC 1071 §4.1: sum 16-bit big-endian words in a wide accumulator and fold
// the carries at the end; a trailing odd byte is the high byte of a word padded
// with zero.
void InternetChecksum::add(ByteSpan data) {
  size_t i = 0;
  if (odd_ && !data.empty()) {
    sum_ += data[0];  // low byte of the word begun by the previous chunk
    i = 1;
    odd_ = false;
  }
  for (; i + 1 < data.size(); i += 2) sum_ += load_be16(&data[i]);
  if (i < data.size()) {
    sum_ += uint64_t{data[i]} << 8;
    odd_ = true;
  }
}

void InternetChecksum::add_u16(uint16_t v) {
  const uint8_t b[2] = {static_cast<uint8_t>(v >> 8), static_cast<uint8_t>(v)};
  add(b);
}

void InternetChecksum::add_u32(uint32_t v) {
  add_u16(static_cast<uint16_t>(v >> 16));
  add_u16(static_cast<uint16_t>(v));
}

uint16_t InternetChecksum::finish() const {
  uint64_t s = sum_;
  while (s >> 16) s = (s & 0xffff) + (s >> 16);  // RFC 1071 §4.1: fold carries
  return static_cast<uint16_t>(~s);
}

uint16_t internet_checksum(ByteSpan data) {
  InternetChecksum c;
  c.add(data);
  return c.finish();
}

uint16_t pseudo_header_checksum(const IpAddress& src, const IpAddress& dst, uint8_t protocol,
                                ByteSpan segment, size_t checksum_offset) {
  InternetChecksum c;
  c.add(src.bytes());
  c.add(dst.bytes());
  if (src.is_v4()) {
    c.add_u16(protocol);  // zero byte, then the protocol number
    c.add_u16(static_cast<uint16_t>(segment.size()));
  } else {
    c.add_u32(static_cast<uint32_t>(segment.size()));
    c.add_u32(protocol);  // three zero bytes, then the next header value
  }
  if (checksum_offset <= segment.size() && segment.size() - checksum_offset >= 2) {
    c.add(segment.first(checksum_offset));
    c.add_u16(0);
    c.add(segment.subspan(checksum_offset + 2));
  } else {
    c.add(segment);
  }
  return c.finish();
}

}  // namespace ainet::wire
