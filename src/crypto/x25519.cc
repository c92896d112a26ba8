// X25519 (RFC 7748 §5, §6.1) via EVP_PKEY raw keys (raw_key.h). Not on the
// packet path (one per hop handshake), so the EVP_PKEY allocations here are
// fine; the EVP_PKEY frees wipe the private key they copied.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/kex.h"
#include "crypto/raw_key.h"

namespace ainet::crypto {

Result<PublicKey> x25519_public(ByteSpan priv32) {
  return detail::raw_public_of(EVP_PKEY_X25519, priv32);
}

X25519KeyPair x25519_generate(Rng& rng) {
  // RFC 7748 §6.1: the private key is 32 random bytes.
  return detail::raw_generate<X25519KeyPair>(EVP_PKEY_X25519, rng);
}

Errc x25519(ByteSpan priv32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || peer_pub32.size() != kX25519KeySize ||
      out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  detail::Pkey priv = detail::raw_private_pkey(EVP_PKEY_X25519, priv32);
  detail::Pkey peer = detail::raw_public_pkey(EVP_PKEY_X25519, peer_pub32);
  EVP_PKEY_CTX* ctx = priv ? EVP_PKEY_CTX_new_from_pkey(nullptr, priv.get(), nullptr) : nullptr;
  size_t len = out32.size();
  // OpenSSL itself refuses an all-zero result; the explicit check below keeps
  // that RFC 7748 §6.1 guarantee even if the library behaviour changed.
  const bool derived = peer && ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
                       EVP_PKEY_derive_set_peer(ctx, peer.get()) == 1 &&
                       EVP_PKEY_derive(ctx, out32.data(), &len) == 1 && len == kX25519KeySize;
  EVP_PKEY_CTX_free(ctx);
  if (!derived) {
    // The Errc is the report; do not leave stale entries on the thread's
    // OpenSSL error queue for an unrelated later check to trip over.
    ERR_clear_error();
    OPENSSL_cleanse(out32.data(), out32.size());
    return Errc::crypto_error;
  }
  // RFC 7748 §6.1: a small-order peer key yields the all-zero value, which
  // must be rejected. Constant time: OR all bytes together.
  uint8_t acc = 0;
  for (uint8_t b : out32) acc |= b;
  if (acc == 0) return Errc::crypto_error;
  return Errc::ok;
}

}  // namespace ainet::crypto
