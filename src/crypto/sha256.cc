// One-shot SHA-256 and SHA-1 (FIPS 180-4) over several parts, via EVP_Digest*.
#include <openssl/evp.h>

#include "crypto/hmac.h"

namespace ainet::crypto {

namespace {

Errc digest(const EVP_MD* md, std::initializer_list<ByteSpan> parts, MutByteSpan out) {
  if (out.size() != static_cast<size_t>(EVP_MD_get_size(md))) return Errc::invalid_argument;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Errc::crypto_error;
  bool ok = EVP_DigestInit_ex(ctx, md, nullptr) == 1;
  for (ByteSpan p : parts) {
    if (ok && !p.empty()) ok = EVP_DigestUpdate(ctx, p.data(), p.size()) == 1;
  }
  unsigned int len = 0;
  ok = ok && EVP_DigestFinal_ex(ctx, out.data(), &len) == 1 && len == out.size();
  EVP_MD_CTX_free(ctx);
  return ok ? Errc::ok : Errc::crypto_error;
}

}  // namespace

Errc sha256(std::initializer_list<ByteSpan> parts, MutByteSpan out32) {
  return digest(EVP_sha256(), parts, out32);
}

Errc sha1(std::initializer_list<ByteSpan> parts, MutByteSpan out20) {
  return digest(EVP_sha1(), parts, out20);
}

}  // namespace ainet::crypto
