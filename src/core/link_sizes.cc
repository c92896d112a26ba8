#include "core/link_sizes.h"

namespace ainet::core {

namespace {

constexpr size_t kEspHeader = 8;        // SPI + sequence number (RFC 4303 §2)
constexpr size_t kGcmIv = 8;            // RFC 4106 §3.1
constexpr size_t kEspTrailer = 2;       // pad length + next header
constexpr size_t kIcv = 16;             // GCM tag (RFC 4106), HMAC-SHA-256-128 (RFC 4868)
constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

}  // namespace

Result<size_t> signaling_size(Carrier carrier, size_t cell_size, size_t min_size) {
  size_t msg = 0;
  if (carrier == Carrier::ip) {
    if (cell_size % 4 != 0) return Errc::invalid_argument;
    const size_t overhead = kEspHeader + kGcmIv + kEspTrailer + kIcv;
    if (cell_size < overhead) return Errc::invalid_argument;
    msg = cell_size - overhead;
  } else {
    const size_t esp_null = kEspHeader + align4(cell_size + kEspTrailer) + kIcv;
    const size_t fixed = kEspHeader + kGcmIv + kEspTrailer + kIcv;
    if (esp_null < fixed) return Errc::invalid_argument;
    msg = esp_null - fixed;  // msg + 2 is then a multiple of 4: no ESP padding
  }
  if (msg < min_size) return Errc::invalid_argument;
  return msg;
}

}  // namespace ainet::core
