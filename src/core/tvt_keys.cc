#include "core/tvt_keys.h"

#include <array>
#include <cstring>

#include "crypto/kex.h"

namespace ainet::core {

Errc derive_tvt_keys(ByteSpan tvt_secret, ByteSpan nonce, uint32_t spi_fwd, uint32_t spi_bwd,
                     TvtAhKeys& out) {
  if (nonce.size() != 16 || tvt_secret.empty()) return Errc::invalid_argument;
  // docs/protocol.md: info = "ainet-tvt-v1" || spi_fwd || spi_bwd (big-endian).
  static constexpr char kLabel[] = "ainet-tvt-v1";
  constexpr size_t kLabelLen = sizeof(kLabel) - 1;
  std::array<uint8_t, kLabelLen + 8> info{};
  std::memcpy(info.data(), kLabel, kLabelLen);
  store_be32(info.data() + kLabelLen, spi_fwd);
  store_be32(info.data() + kLabelLen + 4, spi_bwd);
  Secret<64> okm;
  okm.resize(64);
  const Errc e = crypto::hkdf_sha256(nonce, tvt_secret, info, okm.mut_span());
  if (e != Errc::ok) return e;
  out.fwd.assign(okm.span().first(32));
  out.bwd.assign(okm.span().subspan(32, 32));
  return Errc::ok;
}

}  // namespace ainet::core
