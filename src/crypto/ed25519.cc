// Ed25519 (RFC 8032 §5.1) via EVP_PKEY raw keys and one-shot
// EVP_DigestSign/EVP_DigestVerify (pure Ed25519: no pre-hash, no context).
// Used for identity keys and the signed directory, never per packet.
#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdlib>

#include "crypto/kex.h"

namespace ainet::crypto {

Result<PublicKey> ed25519_public(ByteSpan seed32) {
  if (seed32.size() != kEd25519KeySize) return Errc::invalid_argument;
  EVP_PKEY* pk =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size());
  if (pk == nullptr) return Errc::crypto_error;
  PublicKey pub{};
  size_t len = pub.size();
  const bool ok = EVP_PKEY_get_raw_public_key(pk, pub.data(), &len) == 1 && len == pub.size();
  EVP_PKEY_free(pk);
  if (!ok) return Errc::crypto_error;
  return pub;
}

Ed25519KeyPair ed25519_generate(Rng& rng) {
  Ed25519KeyPair kp;
  kp.priv.resize(kEd25519KeySize);
  // RFC 8032 §5.1.5: the private key is 32 random bytes (the seed).
  rng.fill(kp.priv.mut_span());
  auto pub = ed25519_public(kp.priv.span());
  if (!pub.ok()) std::abort();  // only out-of-memory can fail here; no error path in the API
  kp.pub = pub.value();
  return kp;
}

Result<Signature> ed25519_sign(ByteSpan seed32, ByteSpan msg) {
  if (seed32.size() != kEd25519KeySize) return Errc::invalid_argument;
  EVP_PKEY* pk =
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed32.data(), seed32.size());
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Signature sig{};
  size_t len = sig.size();
  // The digest must be NULL for Ed25519 (it hashes internally with SHA-512).
  const bool ok = pk != nullptr && md != nullptr &&
                  EVP_DigestSignInit(md, nullptr, nullptr, nullptr, pk) == 1 &&
                  EVP_DigestSign(md, sig.data(), &len, msg.data(), msg.size()) == 1 &&
                  len == sig.size();
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pk);
  if (!ok) return Errc::crypto_error;
  return sig;
}

Errc ed25519_verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64) {
  if (pub32.size() != kEd25519KeySize) return Errc::invalid_argument;
  if (sig64.size() != kEd25519SigSize) return Errc::bad_signature;
  EVP_PKEY* pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pub32.data(), pub32.size());
  if (pk == nullptr) {  // not a usable public key
    ERR_clear_error();
    return Errc::bad_signature;
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  // RFC 8032 §5.1.7: OpenSSL rejects S >= L and non-canonical encodings.
  const bool ok = md != nullptr && EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, pk) == 1 &&
                  EVP_DigestVerify(md, sig64.data(), sig64.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(md);
  EVP_PKEY_free(pk);
  if (!ok) ERR_clear_error();  // the Errc is the report; leave no stale queue entries
  return ok ? Errc::ok : Errc::bad_signature;
}

}  // namespace ainet::crypto
