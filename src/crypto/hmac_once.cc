#include "crypto/hmac_once.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstring>

#include "crypto/thread_owned.h"

namespace ainet::crypto {
namespace {

constexpr size_t kMaxDigest = 32;
constexpr std::array<uint8_t, kMaxDigest> kZeroKey{};

template <MacDigest D>
EVP_MAC_CTX* new_hmac() {
  // Fetched once for the process: an EVP_MAC is immutable and may be shared.
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  EVP_MAC_CTX* c = mac != nullptr ? EVP_MAC_CTX_new(mac) : nullptr;
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, mac_digest_name(D), 0),
      OSSL_PARAM_construct_end(),
  };
  if (c != nullptr && EVP_MAC_CTX_set_params(c, params) != 1) {
    EVP_MAC_CTX_free(c);
    c = nullptr;
  }
  return c;
}

template <MacDigest D>
bool run(ByteSpan key, std::initializer_list<ByteSpan> parts, MutByteSpan out) {
  detail::ThreadOwnedOrFresh<EVP_MAC_CTX, new_hmac<D>, EVP_MAC_CTX_free> ctx;
  if (ctx.get() == nullptr) return false;
  uint8_t full[kMaxDigest];
  size_t len = 0;
  bool ok = EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) == 1;
  for (ByteSpan p : parts)
    ok = ok && (p.empty() || EVP_MAC_update(ctx.get(), p.data(), p.size()) == 1);
  ok = ok && EVP_MAC_final(ctx.get(), full, &len, sizeof full) == 1 &&
       len == mac_digest_size(D);
  if (ok) std::memcpy(out.data(), full, out.size());
  OPENSSL_cleanse(full, sizeof full);
  // The key schedule and the digest state after final (which holds the
  // MAC) are overwritten by re-keying.
  const bool wiped = EVP_MAC_init(ctx.get(), kZeroKey.data(), kZeroKey.size(), nullptr) == 1;
  return ok && wiped;
}

}  // namespace

size_t mac_digest_size(MacDigest d) {
  return d == MacDigest::sha1 ? 20 : 32;
}

char* mac_digest_name(MacDigest d) {
  static char sha256[] = "SHA256";
  static char sha1[] = "SHA1";
  return d == MacDigest::sha1 ? sha1 : sha256;
}

Errc hmac_once(MacDigest d, ByteSpan key, std::initializer_list<ByteSpan> parts,
               MutByteSpan out) {
  if (key.empty() || out.empty() || out.size() > mac_digest_size(d)) return Errc::invalid_argument;
  const bool ok = d == MacDigest::sha1 ? run<MacDigest::sha1>(key, parts, out)
                                       : run<MacDigest::sha256>(key, parts, out);
  if (!ok) OPENSSL_cleanse(out.data(), out.size());
  return ok ? Errc::ok : Errc::crypto_error;
}

}  // namespace ainet::crypto
