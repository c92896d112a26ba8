#include "core/tvt_keys.h"

#include <array>
#include <cstring>
#include <string_view>

#include "crypto/kex.h"

namespace ainet::core {

Errc derive_tvt_keys(TvtIntegrity integrity, ByteSpan tvt_secret, ByteSpan nonce, uint32_t spi_fwd,
                     uint32_t spi_bwd, TvtKeys& out) {
  if (nonce.size() != 16 || tvt_secret.empty()) return Errc::invalid_argument;
  // docs/protocol.md: info = label || spi_fwd || spi_bwd (big-endian).
  const bool gmac = integrity == TvtIntegrity::aes256_gmac;
  const std::string_view label = gmac ? "ainet-tvt-gmac-v1" : "ainet-tvt-v1";
  const size_t each = gmac ? 36 : 32;  // RFC 4543 §8.1 key || salt; RFC 4868 key
  std::array<uint8_t, 32> info{};
  std::memcpy(info.data(), label.data(), label.size());
  store_be32(info.data() + label.size(), spi_fwd);
  store_be32(info.data() + label.size() + 4, spi_bwd);
  Secret<72> okm;
  okm.resize(2 * each);
  const Errc e = crypto::hkdf_sha256(nonce, tvt_secret, ByteSpan(info.data(), label.size() + 8), okm.mut_span());
  if (e != Errc::ok) return e;
  out.fwd.assign(okm.span().first(each));
  out.bwd.assign(okm.span().subspan(each, each));
  return Errc::ok;
}

sa::Transform tvt_transform(Carrier carrier, TvtIntegrity integrity) {
  const bool ip = carrier == Carrier::ip;
  if (integrity == TvtIntegrity::aes256_gmac)
    return ip ? sa::Transform::ah_aes256_gmac : sa::Transform::esp_aes256_gmac;  // RFC 4543
  return ip ? sa::Transform::ah_hmac_sha256 : sa::Transform::esp_null_hmac_sha256;  // RFC 4868
}

}  // namespace ainet::core
