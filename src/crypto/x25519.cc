// X25519 (RFC 7748 §5, §6.1) via EVP_PKEY raw keys. Not on the packet path
// (one per hop handshake), so the EVP_PKEY allocations here are fine; the
// EVP_PKEY frees wipe the private key they copied.
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/kex.h"

namespace ainet::crypto {

Result<PublicKey> x25519_public(ByteSpan priv32) {
  if (priv32.size() != kX25519KeySize) return Errc::invalid_argument;
  // OpenSSL clamps the scalar itself (RFC 7748 §5 decodeScalar25519).
  EVP_PKEY* pk =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv32.data(), priv32.size());
  if (pk == nullptr) return Errc::crypto_error;
  PublicKey pub{};
  size_t len = pub.size();
  const bool ok = EVP_PKEY_get_raw_public_key(pk, pub.data(), &len) == 1 && len == pub.size();
  EVP_PKEY_free(pk);
  if (!ok) return Errc::crypto_error;
  return pub;
}

X25519KeyPair x25519_generate(Rng& rng) {
  X25519KeyPair kp;
  kp.priv.resize(kX25519KeySize);
  // RFC 7748 §6.1: the private key is 32 random bytes.
  rng.fill(kp.priv.mut_span());
  auto pub = x25519_public(kp.priv.span());
  // Only an OpenSSL failure (out of memory) can get here; the signature has
  // no error path and a keypair with a garbage public key would be worse.
  if (!pub.ok()) std::abort();
  kp.pub = pub.value();
  return kp;
}

Errc x25519(ByteSpan priv32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || peer_pub32.size() != kX25519KeySize ||
      out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  EVP_PKEY* priv =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, priv32.data(), priv32.size());
  EVP_PKEY* peer =
      EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, nullptr, peer_pub32.data(), peer_pub32.size());
  EVP_PKEY_CTX* ctx =
      priv != nullptr ? EVP_PKEY_CTX_new_from_pkey(nullptr, priv, nullptr) : nullptr;
  size_t len = out32.size();
  // OpenSSL itself refuses an all-zero result; the explicit check below keeps
  // that RFC 7748 §6.1 guarantee even if the library behaviour changed.
  const bool derived = peer != nullptr && ctx != nullptr && EVP_PKEY_derive_init(ctx) == 1 &&
                       EVP_PKEY_derive_set_peer(ctx, peer) == 1 &&
                       EVP_PKEY_derive(ctx, out32.data(), &len) == 1 && len == kX25519KeySize;
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(peer);
  EVP_PKEY_free(priv);
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
