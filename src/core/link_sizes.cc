#include "core/link_sizes.h"

namespace ainet::core {

namespace {

constexpr size_t kEspHeader = 8;        // SPI + sequence number (RFC 4303 §2)
constexpr size_t kGcmIv = 8;            // RFC 4106 §3.1
constexpr size_t kGmacIv = 8;           // RFC 4543 §3.1
constexpr size_t kEspTrailer = 2;       // pad length + next header
constexpr size_t kIcv = 16;             // GCM tag (RFC 4106), HMAC-SHA-256-128 (RFC 4868)
constexpr size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

}  // namespace

Result<size_t> signaling_size(Carrier carrier, TvtIntegrity integrity, size_t cell_size, size_t min_size) {
  // AES-GMAC's 8-byte IV rides in the AH ICV field (RFC 4543 §4: IV || tag,
  // 36 bytes of AH for IPv4, 40 with the IPv6 padding; HMAC's AH is 28/32)
  // or after the ESP header (RFC 4543 §3.1): the TVT packet is 8 bytes longer
  // than with HMAC on both carriers and both families.
  const size_t gmac_iv = integrity == TvtIntegrity::aes256_gmac ? kGmacIv : 0;
  size_t msg = 0;
  if (carrier == Carrier::ip) {
    if (cell_size % 4 != 0) return Errc::invalid_argument;
    const size_t overhead = kEspHeader + kGcmIv + kEspTrailer + kIcv;
    if (cell_size + gmac_iv < overhead) return Errc::invalid_argument;
    msg = cell_size + gmac_iv - overhead;
  } else {
    const size_t tvt_esp = kEspHeader + gmac_iv + align4(cell_size + kEspTrailer) + kIcv;
    const size_t fixed = kEspHeader + kGcmIv + kEspTrailer + kIcv;
    if (tvt_esp < fixed) return Errc::invalid_argument;
    msg = tvt_esp - fixed;  // msg + 2 is then a multiple of 4: no ESP padding
  }
  if (msg < min_size) return Errc::invalid_argument;
  return msg;
}

}  // namespace ainet::core
