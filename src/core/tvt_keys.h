// TVT AH keys (docs/protocol.md "PVT signaling message"):
//   HKDF-SHA-256(salt = nonce, ikm = PVT tvt_secret,
//                info = "ainet-tvt-v1" || spi_fwd || spi_bwd, L = 64)
//   -> fwd_ah_key(32) || bwd_ah_key(32)
// SPIs are big-endian 32-bit in info. Both ends of a PVT compute the same keys
// from the CREATE fields, so no key crosses the wire.
#pragma once
#include <cstdint>

#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"

namespace ainet::core {

struct TvtAhKeys {
  Secret<32> fwd;  // AH key of the forward TVT (towards the exit)
  Secret<32> bwd;  // AH key of the backward TVT (towards the entrance)
};

// nonce must be 16 bytes, tvt_secret non-empty; else Errc::invalid_argument.
[[nodiscard]] Errc derive_tvt_keys(ByteSpan tvt_secret, ByteSpan nonce, uint32_t spi_fwd,
                                   uint32_t spi_bwd, TvtAhKeys& out);

}  // namespace ainet::core
