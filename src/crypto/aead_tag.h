// Reading and setting an AEAD tag on a keyed EVP context (GCM, GMAC,
// ChaCha20-Poly1305) with OpenSSL 3's own parameter call. The legacy
// EVP_CIPHER_CTX_ctrl(EVP_CTRL_AEAD_GET_TAG / SET_TAG) builds the same
// "tag" parameter and then goes through a generic dispatch on the control
// code; on the data path, where every cell has a tag at every hop, that
// dispatch showed as about 1% of a loaded machine (issue 10 profile).
#pragma once
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstddef>
#include <cstdint>

namespace ainet::crypto::detail {

// After Final of an encryption: copies the tag (len bytes) out.
inline bool get_aead_tag(EVP_CIPHER_CTX* ctx, uint8_t* tag, size_t len) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, len),
      OSSL_PARAM_construct_end(),
  };
  return EVP_CIPHER_CTX_get_params(ctx, params) == 1;
}

// Before Final of a decryption: the expected tag. OpenSSL copies it; the
// parameter type needs a non-const pointer, hence the caller's copy.
inline bool set_aead_tag(EVP_CIPHER_CTX* ctx, uint8_t* tag, size_t len) {
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, len),
      OSSL_PARAM_construct_end(),
  };
  return EVP_CIPHER_CTX_set_params(ctx, params) == 1;
}

}  // namespace ainet::crypto::detail
