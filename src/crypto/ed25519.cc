// Ed25519 (RFC 8032 §5.1) via EVP_PKEY raw keys (raw_key.h) and one-shot
// EVP_DigestSign/EVP_DigestVerify (pure Ed25519: no pre-hash, no context).
// Used for identity keys and the signed directory, never per packet.
#include <openssl/err.h>
#include <openssl/evp.h>

#include "crypto/kex.h"
#include "crypto/kex_counts.h"
#include "crypto/raw_key.h"

namespace ainet::crypto {

Result<PublicKey> ed25519_public(ByteSpan seed32) {
  return detail::raw_public_of(EVP_PKEY_ED25519, seed32);
}

Ed25519KeyPair ed25519_generate(Rng& rng) {
  // RFC 8032 §5.1.5: the private key is 32 random bytes (the seed).
  return detail::raw_generate<Ed25519KeyPair>(EVP_PKEY_ED25519, rng);
}

Result<Signature> ed25519_sign(ByteSpan seed32, ByteSpan msg) {
  if (seed32.size() != kEd25519KeySize) return Errc::invalid_argument;
  ++detail::mutable_kex_counts().ed25519_sign;
  detail::Pkey pk = detail::raw_private_pkey(EVP_PKEY_ED25519, seed32);
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  Signature sig{};
  size_t len = sig.size();
  // The digest must be NULL for Ed25519 (it hashes internally with SHA-512).
  const bool ok =
      pk && md != nullptr && EVP_DigestSignInit(md, nullptr, nullptr, nullptr, pk.get()) == 1 &&
      EVP_DigestSign(md, sig.data(), &len, msg.data(), msg.size()) == 1 && len == sig.size();
  EVP_MD_CTX_free(md);
  if (!ok) return Errc::crypto_error;
  return sig;
}

Errc ed25519_verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64) {
  if (pub32.size() != kEd25519KeySize) return Errc::invalid_argument;
  if (sig64.size() != kEd25519SigSize) return Errc::bad_signature;
  ++detail::mutable_kex_counts().ed25519_verify;
  detail::Pkey pk = detail::raw_public_pkey(EVP_PKEY_ED25519, pub32);
  if (!pk) {  // not a usable public key
    ERR_clear_error();
    return Errc::bad_signature;
  }
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  // RFC 8032 §5.1.7: OpenSSL rejects S >= L and non-canonical encodings.
  const bool ok = md != nullptr &&
                  EVP_DigestVerifyInit(md, nullptr, nullptr, nullptr, pk.get()) == 1 &&
                  EVP_DigestVerify(md, sig64.data(), sig64.size(), msg.data(), msg.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) ERR_clear_error();  // the Errc is the report; leave no stale queue entries
  return ok ? Errc::ok : Errc::bad_signature;
}

}  // namespace ainet::crypto
