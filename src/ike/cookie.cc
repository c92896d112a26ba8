#include "ike/cookie.h"

#include <openssl/crypto.h>

#include "crypto/hmac_once.h"

namespace ainet::ike {

CookieJar::CookieJar(crypto::Rng& rng) {
  current_.resize(32);
  rng.fill(current_.mut_span());
}

void CookieJar::rotate(crypto::Rng& rng) {
  previous_ = current_;
  have_previous_ = true;
  rng.fill(current_.mut_span());
  ++version_;
}

Bytes CookieJar::compute(uint32_t version, const Secret<32>& secret, ByteSpan ni,
                         const wire::IpAddress& ip, uint64_t spi) const {
  Bytes out(kCookieLen);
  store_be32(out.data(), version);
  uint8_t spi_b[8];
  store_be64(spi_b, spi);
  // One-shot (crypto/hmac_once.h): no heap block or cache way per cookie,
  // which matters when cookies are the answer to a flood (RFC 7296 §2.6).
  if (crypto::hmac_once(crypto::MacDigest::sha256, secret.span(), {ni, ip.bytes(), ByteSpan(spi_b, 8)},
                        MutByteSpan(out.data() + 4, 32)) != Errc::ok) {
    return {};  // only an OpenSSL failure; an empty cookie never checks
  }
  return out;
}

Bytes CookieJar::make(ByteSpan ni, const wire::IpAddress& ip_i, uint64_t spi_i) const {
  return compute(version_, current_, ni, ip_i, spi_i);
}

bool CookieJar::check(ByteSpan cookie, ByteSpan ni, const wire::IpAddress& ip_i,
                      uint64_t spi_i) const {
  if (cookie.size() != kCookieLen) return false;
  const uint32_t v = load_be32(cookie.data());
  Bytes want;
  if (v == version_) {
    want = compute(version_, current_, ni, ip_i, spi_i);
  } else if (have_previous_ && v == version_ - 1) {
    want = compute(v, previous_, ni, ip_i, spi_i);
  } else {
    return false;
  }
  return want.size() == cookie.size() &&
         CRYPTO_memcmp(want.data(), cookie.data(), want.size()) == 0;
}

}  // namespace ainet::ike
