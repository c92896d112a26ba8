// TVT integrity keys (docs/protocol.md "PVT signaling message"):
//   HMAC-SHA-256-128: HKDF-SHA-256(salt = nonce, ikm = PVT tvt_secret,
//                       info = "ainet-tvt-v1" || spi_fwd || spi_bwd, L = 64)
//                     -> fwd_key(32) || bwd_key(32)
//   AES-256-GMAC:     the same with info = "ainet-tvt-gmac-v1" || spi_fwd ||
//                     spi_bwd and L = 72
//                     -> fwd_key(32) || fwd_salt(4) || bwd_key(32) || bwd_salt(4)
//                     (RFC 4543 §8.1 KEYMAT: key || 4-byte salt)
// SPIs are big-endian 32-bit in info. The label differs per transform so the
// two never share key bytes. Both ends of a PVT compute the same keys from
// the CREATE fields, so no key crosses the wire.
#pragma once
#include <cstdint>

#include "core/engine_api.h"
#include "sa/transform.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"

namespace ainet::core {

struct TvtKeys {
  Secret<36> fwd;  // KEYMAT of the forward TVT SA (towards the exit)
  Secret<36> bwd;  // KEYMAT of the backward TVT SA (towards the entrance)
};

// nonce must be 16 bytes, tvt_secret non-empty; else Errc::invalid_argument.
[[nodiscard]] Errc derive_tvt_keys(TvtIntegrity integrity, ByteSpan tvt_secret, ByteSpan nonce,
                                   uint32_t spi_fwd, uint32_t spi_bwd, TvtKeys& out);

// The SA transform of every TVT SA for a carrier and integrity choice
// (docs/protocol.md "TVT data cell").
sa::Transform tvt_transform(Carrier carrier, TvtIntegrity integrity);

}  // namespace ainet::core
