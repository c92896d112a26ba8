// Growable big-endian writer for building IKE messages. IKE is the control
// plane (a handful of messages per SA lifetime), so building into a
// std::vector is fine here; the ESP data path never comes through this code.
#pragma once
#include <cstddef>
#include <cstdint>

#include "util/bytes.h"

namespace ainet::ike {

class Appender {
 public:
  explicit Appender(Bytes& out) : out_(out) {}
  size_t size() const { return out_.size(); }
  void u8(uint8_t v) { out_.push_back(v); }
  void u16(uint16_t v) {
    out_.push_back(static_cast<uint8_t>(v >> 8));
    out_.push_back(static_cast<uint8_t>(v));
  }
  void u32(uint32_t v) {
    u16(static_cast<uint16_t>(v >> 16));
    u16(static_cast<uint16_t>(v));
  }
  void u64(uint64_t v) {
    u32(static_cast<uint32_t>(v >> 32));
    u32(static_cast<uint32_t>(v));
  }
  void bytes(ByteSpan b) { out_.insert(out_.end(), b.begin(), b.end()); }
  void zeros(size_t n) { out_.insert(out_.end(), n, 0); }
  // Overwrites a 16-bit field written earlier (a length filled in at the end).
  void patch_u16(size_t at, uint16_t v) { store_be16(&out_[at], v); }
  void patch_u32(size_t at, uint32_t v) { store_be32(&out_[at], v); }
  void patch_u8(size_t at, uint8_t v) { out_[at] = v; }

 private:
  Bytes& out_;
};

}  // namespace ainet::ike
