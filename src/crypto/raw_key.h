// EVP_PKEY raw keys, shared by X25519 (RFC 7748) and Ed25519 (RFC 8032): both
// keep 32-byte raw private and public keys, which OpenSSL takes and gives
// through EVP_PKEY_new_raw_{private,public}_key and
// EVP_PKEY_get_raw_public_key. Internal to src/crypto.
#pragma once
#include <openssl/evp.h>

#include <memory>

#include "crypto/kex.h"

namespace ainet::crypto::detail {

static_assert(kX25519KeySize == 32 && kEd25519KeySize == 32);

struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
// Freeing an EVP_PKEY wipes the private key it copied.
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

// type: EVP_PKEY_X25519 or EVP_PKEY_ED25519. nullptr if OpenSSL refuses the key.
inline Pkey raw_private_pkey(int type, ByteSpan priv32) {
  return Pkey(EVP_PKEY_new_raw_private_key(type, nullptr, priv32.data(), priv32.size()));
}
inline Pkey raw_public_pkey(int type, ByteSpan pub32) {
  return Pkey(EVP_PKEY_new_raw_public_key(type, nullptr, pub32.data(), pub32.size()));
}

// The public key of a 32-byte private key (not 32 bytes: invalid_argument).
Result<PublicKey> raw_public_of(int type, ByteSpan priv32);
// priv: 32 random bytes (RFC 7748 §6.1, RFC 8032 §5.1.5), pub derived from it.
// Aborts only if OpenSSL cannot allocate: the callers' signatures have no
// error path, and a key pair with a garbage public key would be worse.
void raw_generate(int type, Rng& rng, PrivateKey& priv, PublicKey& pub);
template <class KeyPair>  // X25519KeyPair or Ed25519KeyPair
KeyPair raw_generate(int type, Rng& rng) {
  KeyPair kp;
  raw_generate(type, rng, kp.priv, kp.pub);
  return kp;
}

}  // namespace ainet::crypto::detail
