#include "crypto/raw_key.h"

#include <cstdlib>

namespace ainet::crypto::detail {

Result<PublicKey> raw_public_of(int type, ByteSpan priv32) {
  if (priv32.size() != kX25519KeySize) return Errc::invalid_argument;
  // X25519: OpenSSL clamps the scalar itself (RFC 7748 §5 decodeScalar25519).
  Pkey pk = raw_private_pkey(type, priv32);
  if (!pk) return Errc::crypto_error;
  PublicKey pub{};
  size_t len = pub.size();
  if (EVP_PKEY_get_raw_public_key(pk.get(), pub.data(), &len) != 1 || len != pub.size())
    return Errc::crypto_error;
  return pub;
}

void raw_generate(int type, Rng& rng, PrivateKey& priv, PublicKey& pub) {
  priv.resize(kX25519KeySize);
  rng.fill(priv.mut_span());
  auto p = raw_public_of(type, priv.span());
  if (!p.ok()) std::abort();
  pub = p.value();
}

}  // namespace ainet::crypto::detail
