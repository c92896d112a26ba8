// Helpers shared by the sa/ unit tests: SA configs with deterministic keys
// and valid inner IP packets.
#pragma once
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "sa/security_association.h"
#include "wire/ip_packet.h"

namespace ainet::sa::test {

inline const Transform kEspTransforms[] = {
    Transform::esp_aes128_gcm,         Transform::esp_aes256_gcm,
    Transform::esp_chacha20_poly1305,  Transform::esp_aes128_cbc_hmac_sha256,
    Transform::esp_aes256_cbc_hmac_sha256, Transform::esp_null_hmac_sha256,
    Transform::esp_aes128_gmac,        Transform::esp_aes256_gmac,
};
inline const Transform kAhTransforms[] = {
    Transform::ah_hmac_sha256, Transform::ah_aes128_gmac, Transform::ah_aes256_gmac};

inline std::string name_of(Transform t) {
  switch (t) {
    case Transform::esp_aes128_gcm: return "esp_aes128_gcm";
    case Transform::esp_aes256_gcm: return "esp_aes256_gcm";
    case Transform::esp_chacha20_poly1305: return "esp_chacha20_poly1305";
    case Transform::esp_aes128_cbc_hmac_sha256: return "esp_aes128_cbc_hmac_sha256";
    case Transform::esp_aes256_cbc_hmac_sha256: return "esp_aes256_cbc_hmac_sha256";
    case Transform::esp_null_hmac_sha256: return "esp_null_hmac_sha256";
    case Transform::esp_aes128_gmac: return "esp_aes128_gmac";
    case Transform::esp_aes256_gmac: return "esp_aes256_gmac";
    case Transform::ah_hmac_sha256: return "ah_hmac_sha256";
    case Transform::ah_aes128_gmac: return "ah_aes128_gmac";
    case Transform::ah_aes256_gmac: return "ah_aes256_gmac";
  }
  return "?";
}

inline wire::IpAddress v4(const char* s) { return *wire::IpAddress::parse(s); }

inline SaConfig make_config(Transform t, uint32_t spi, Framing framing,
                            wire::IpFamily family = wire::IpFamily::v4, bool esn = false,
                            uint64_t initial_seq = 0, uint8_t key_seed = 1) {
  SaConfig c;
  c.spi = spi;
  c.transform = t;
  uint8_t km[kMaxKeymatSize];
  for (size_t i = 0; i < sizeof km; ++i) km[i] = static_cast<uint8_t>(key_seed * 31 + i * 7);
  c.keymat.assign(ByteSpan(km, transform_info(t).keymat_size));
  c.framing = framing;
  c.esn = esn;
  c.initial_seq = initial_seq;
  if (family == wire::IpFamily::v4) {
    c.local = v4("192.0.2.1");
    c.remote = v4("198.51.100.7");
  } else {
    c.local = *wire::IpAddress::parse("2001:db8::1");
    c.remote = *wire::IpAddress::parse("2001:db8:ffff::7");
  }
  return c;
}

inline std::unique_ptr<SecurityAssociation> make_sa(const SaConfig& c) {
  auto r = SecurityAssociation::create(c);
  EXPECT_TRUE(r) << to_string(r.error());
  return r ? std::move(*r) : nullptr;
}

// A valid IPv4 or IPv6 UDP packet with a patterned payload of payload_len bytes.
inline Bytes make_inner_packet(wire::IpFamily family, size_t payload_len, uint8_t tos = 0) {
  wire::OuterHeaderSpec spec;
  if (family == wire::IpFamily::v4) {
    spec.src = v4("10.1.2.3");
    spec.dst = v4("10.9.8.7");
  } else {
    spec.src = *wire::IpAddress::parse("fd00::3");
    spec.dst = *wire::IpAddress::parse("fd00::7");
  }
  spec.protocol = wire::kProtoUdp;
  spec.payload_len = payload_len;
  spec.tos = tos;
  Bytes pkt(wire::outer_header_len(family) + payload_len);
  auto n = wire::build_outer_header(spec, pkt);
  EXPECT_TRUE(n);
  for (size_t i = *n; i < pkt.size(); ++i) pkt[i] = static_cast<uint8_t>(i * 13 + 5);
  return pkt;
}

}  // namespace ainet::sa::test
