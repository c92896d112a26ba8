// Bounds-checked big-endian reader and writer over spans. Every wire codec is
// built on these, so no parser can read or write out of bounds: a short buffer
// turns into Errc::truncated / Errc::buffer_too_small, never into UB.
#pragma once
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <vector>

#include "util/result.h"

namespace ainet {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;
using MutByteSpan = std::span<uint8_t>;

inline uint16_t load_be16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
inline uint32_t load_be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
inline uint64_t load_be64(const uint8_t* p) {
  return (uint64_t{load_be32(p)} << 32) | load_be32(p + 4);
}
inline void store_be16(uint8_t* p, uint16_t v) {
  p[0] = static_cast<uint8_t>(v >> 8);
  p[1] = static_cast<uint8_t>(v);
}
inline void store_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}
inline void store_be64(uint8_t* p, uint64_t v) {
  store_be32(p, static_cast<uint32_t>(v >> 32));
  store_be32(p + 4, static_cast<uint32_t>(v));
}

// Sequential reader. After any failed read, ok() is false and every further
// read returns zero, so a parser may read a whole header then check once.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan s) : s_(s) {}
  size_t remaining() const { return failed_ ? 0 : s_.size() - pos_; }
  size_t pos() const { return pos_; }
  bool ok() const { return !failed_; }

  uint8_t u8() { return need(1) ? s_[pos_++] : 0; }
  uint16_t u16() {
    if (!need(2)) return 0;
    uint16_t v = load_be16(&s_[pos_]);
    pos_ += 2;
    return v;
  }
  uint32_t u32() {
    if (!need(4)) return 0;
    uint32_t v = load_be32(&s_[pos_]);
    pos_ += 4;
    return v;
  }
  uint64_t u64() {
    if (!need(8)) return 0;
    uint64_t v = load_be64(&s_[pos_]);
    pos_ += 8;
    return v;
  }
  ByteSpan bytes(size_t n) {
    if (!need(n)) return {};
    ByteSpan v = s_.subspan(pos_, n);
    pos_ += n;
    return v;
  }
  bool skip(size_t n) { return need(n) ? (pos_ += n, true) : false; }
  ByteSpan rest() const { return failed_ ? ByteSpan{} : s_.subspan(pos_); }

 private:
  bool need(size_t n) {
    if (failed_ || s_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  ByteSpan s_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Sequential writer into a caller-provided buffer (no allocation).
class ByteWriter {
 public:
  explicit ByteWriter(MutByteSpan s) : s_(s) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return s_.size() - pos_; }
  bool ok() const { return !failed_; }

  void u8(uint8_t v) {
    if (need(1)) s_[pos_++] = v;
  }
  void u16(uint16_t v) {
    if (need(2)) store_be16(&s_[pos_], v), pos_ += 2;
  }
  void u32(uint32_t v) {
    if (need(4)) store_be32(&s_[pos_], v), pos_ += 4;
  }
  void u64(uint64_t v) {
    if (need(8)) store_be64(&s_[pos_], v), pos_ += 8;
  }
  void bytes(ByteSpan b) {
    if (need(b.size()) && !b.empty()) std::memcpy(&s_[pos_], b.data(), b.size()), pos_ += b.size();
  }
  void zeros(size_t n) {
    if (need(n) && n) std::memset(&s_[pos_], 0, n), pos_ += n;
  }
  // Reserve n bytes and return them for the caller to fill later.
  MutByteSpan reserve(size_t n) {
    if (!need(n)) return {};
    MutByteSpan r = s_.subspan(pos_, n);
    pos_ += n;
    return r;
  }
  MutByteSpan written() const { return s_.first(pos_); }

 private:
  bool need(size_t n) {
    if (failed_ || s_.size() - pos_ < n) {
      failed_ = true;
      return false;
    }
    return true;
  }
  MutByteSpan s_;
  size_t pos_ = 0;
  bool failed_ = false;
};

// Hex helpers for tests, vectors and logs (not used on the packet path).
std::string to_hex(ByteSpan b);
// Accepts upper/lower case and ignores spaces; returns Errc::malformed on bad input.
Result<Bytes> from_hex(std::string_view s);

}  // namespace ainet
