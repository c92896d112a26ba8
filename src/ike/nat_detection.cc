#include "ike/nat_detection.h"

#include <openssl/crypto.h>

#include "crypto/hmac.h"

namespace ainet::ike {

Result<NatHash> nat_detection_hash(uint64_t spi_i, uint64_t spi_r, const wire::IpAddress& addr,
                                   uint16_t port) {
  uint8_t spis[16];
  store_be64(spis, spi_i);
  store_be64(spis + 8, spi_r);
  uint8_t p[2];
  store_be16(p, port);
  NatHash h{};
  if (Status s = crypto::sha1({ByteSpan(spis, 16), addr.bytes(), ByteSpan(p, 2)}, h); !ok(s))
    return s;
  return h;
}

bool nat_hash_matches(ByteSpan data, uint64_t spi_i, uint64_t spi_r, const wire::IpAddress& addr,
                      uint16_t port) {
  if (data.size() != kNatDetectionHashLen) return false;
  auto h = nat_detection_hash(spi_i, spi_r, addr, port);
  return h.ok() && CRYPTO_memcmp(h->data(), data.data(), kNatDetectionHashLen) == 0;
}

}  // namespace ainet::ike
