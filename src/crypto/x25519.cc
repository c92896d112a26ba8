// X25519 (RFC 7748 §5, §6.1) via EVP_PKEY raw keys (raw_key.h). Not on the
// packet path (one per hop handshake), so the EVP_PKEY allocations here are
// fine; the EVP_PKEY frees wipe the private key they copied.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstring>

#include "crypto/kex.h"
#include "crypto/kex_counts.h"
#include "crypto/raw_key.h"

namespace ainet::crypto {

Result<PublicKey> x25519_public(ByteSpan priv32) {
  ++detail::mutable_kex_counts().x25519_keygen;
  return detail::raw_public_of(EVP_PKEY_X25519, priv32);
}

X25519KeyPair x25519_generate(Rng& rng) {
  // RFC 7748 §6.1: the private key is 32 random bytes.
  ++detail::mutable_kex_counts().x25519_keygen;
  return detail::raw_generate<X25519KeyPair>(EVP_PKEY_X25519, rng);
}

namespace {

// An X25519 EVP_PKEY from the private key and its public key, imported
// together so that OpenSSL does not re-derive the public key
// (ossl_ecx_key_fromdata computes it only when it is missing).
detail::Pkey keypair_pkey(ByteSpan priv32, ByteSpan pub32) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
  if (ctx == nullptr) return nullptr;
  uint8_t priv[kX25519KeySize], pub[kX25519KeySize];  // OSSL_PARAM wants non-const
  std::memcpy(priv, priv32.data(), sizeof priv);
  std::memcpy(pub, pub32.data(), sizeof pub);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, priv, sizeof priv),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof pub),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* pkey = nullptr;
  if (EVP_PKEY_fromdata_init(ctx) != 1 ||
      EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_KEYPAIR, params) != 1)
    pkey = nullptr;
  OPENSSL_cleanse(priv, sizeof priv);
  EVP_PKEY_CTX_free(ctx);
  return detail::Pkey(pkey);
}

Errc derive(detail::Pkey priv, ByteSpan peer_pub32, MutByteSpan out32) {
  ++detail::mutable_kex_counts().x25519_shared;
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

}  // namespace

Errc x25519(ByteSpan priv32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || peer_pub32.size() != kX25519KeySize ||
      out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  return derive(detail::raw_private_pkey(EVP_PKEY_X25519, priv32), peer_pub32, out32);
}

Errc x25519(ByteSpan priv32, ByteSpan own_pub32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || own_pub32.size() != kX25519KeySize ||
      peer_pub32.size() != kX25519KeySize || out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  return derive(keypair_pkey(priv32, own_pub32), peer_pub32, out32);
}

}  // namespace ainet::crypto
