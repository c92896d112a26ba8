// Stateless cookies against half-open floods (RFC 7296 §2.6):
//   Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
// with Hash = HMAC-SHA-256 keyed with the secret (a keyed MAC is what the
// construction needs; §2.6 leaves the function to the implementation). The
// responder keeps no state for a cookie it hands out; it accepts cookies
// made with the current or the previous secret, so a rotation does not
// refuse initiators that are mid-retry (§2.6: "...the responder should
// accept cookies made with the previous secret for a short time").
#pragma once
#include <cstdint>

#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/secret.h"
#include "wire/ip_address.h"

namespace ainet::ike {

class CookieJar {
 public:
  static constexpr size_t kCookieLen = 4 + 32;
  explicit CookieJar(crypto::Rng& rng);
  // Draws a new secret; the old one stays valid until the next rotation.
  void rotate(crypto::Rng& rng);
  Bytes make(ByteSpan ni, const wire::IpAddress& ip_i, uint64_t spi_i) const;
  bool check(ByteSpan cookie, ByteSpan ni, const wire::IpAddress& ip_i, uint64_t spi_i) const;
  uint32_t version() const { return version_; }

 private:
  Bytes compute(uint32_t version, const Secret<32>& secret, ByteSpan ni, const wire::IpAddress& ip,
                uint64_t spi) const;
  Secret<32> current_, previous_;
  uint32_t version_ = 1;
  bool have_previous_ = false;
};

}  // namespace ainet::ike
