// One-shot SHA-256 (FIPS 180-4) over several parts, via EVP_Digest*.
#include <openssl/evp.h>

#include "crypto/hmac.h"

namespace ainet::crypto {

Errc sha256(std::initializer_list<ByteSpan> parts, MutByteSpan out32) {
  if (out32.size() != kSha256Size) return Errc::invalid_argument;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Errc::crypto_error;
  bool ok = EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr) == 1;
  for (ByteSpan p : parts) {
    if (ok && !p.empty()) ok = EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  }
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out32.data(), &len) == 1 && len == kSha256Size;
  EVP_MD_CTX_free(ctx);
  return ok ? Errc::ok : Errc::crypto_error;
}

}  // namespace ainet::crypto
