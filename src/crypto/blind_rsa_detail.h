// Internals shared by blind_rsa_keys.cc (keys, verify) and blind_rsa.cc
// (Blind, Finalize, BlindSign). Not part of the crypto API.
#pragma once
#include <openssl/bn.h>
#include <openssl/evp.h>

#include <cstddef>
#include <memory>

namespace ainet::crypto::detail {

struct BnFree {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxFree {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct MontFree {
  void operator()(BN_MONT_CTX* m) const { BN_MONT_CTX_free(m); }
};
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using BnCtxPtr = std::unique_ptr<BN_CTX, BnCtxFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MontPtr = std::unique_ptr<BN_MONT_CTX, MontFree>;

// Public half: the EVP key for RSASSA-PSS-VERIFY, plus n and e as BIGNUMs
// and a Montgomery context for n, for the blinding arithmetic.
struct RsaPublic {
  PkeyPtr pkey;  // may also hold the private half (a signer's own public key)
  BnPtr n, e;
  MontPtr mont;
  size_t bits = 0, bytes = 0;
};

struct RsaPrivate {
  PkeyPtr pkey;
};

// SHA-384, fetched once (EVP_MD_fetch) and kept for the process.
const EVP_MD* sha384();

}  // namespace ainet::crypto::detail
