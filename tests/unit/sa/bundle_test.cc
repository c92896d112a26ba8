// ESP-in-AH bundles (RFC 4301 §4.5; paper Fig. 4/5).
#include "sa/bundle.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"
#include "sa/sad.h"
#include "sa_test_support.h"
#include "wire/constants.h"

namespace ainet::sa {
namespace {

using test::make_config;
using test::make_inner_packet;
using test::make_sa;

struct Side {
  std::unique_ptr<SecurityAssociation> ah, esp;
  Bundle bundle;
};

Side make_side(wire::IpFamily fam, Transform ah_t = Transform::ah_hmac_sha256,
               Transform esp_t = Transform::esp_aes256_gcm) {
  Side s;
  s.ah = make_sa(make_config(ah_t, 0xa0000001, Framing::ip, fam));
  s.esp = make_sa(make_config(esp_t, 0xe0000001, Framing::bare, fam));
  auto b = Bundle::create(*s.ah, *s.esp);
  EXPECT_TRUE(b);
  s.bundle = *b;
  return s;
}

TEST(Bundle, RejectsWrongShapes) {
  auto ah = make_sa(make_config(Transform::ah_hmac_sha256, 0xa0000001, Framing::ip));
  auto esp_ip = make_sa(make_config(Transform::esp_aes128_gcm, 0xe0000001, Framing::ip));
  auto esp_bare = make_sa(make_config(Transform::esp_aes128_gcm, 0xe0000002, Framing::bare));
  EXPECT_EQ(Bundle::create(*ah, *esp_ip).error(), Errc::invalid_argument);
  EXPECT_EQ(Bundle::create(*esp_bare, *ah).error(), Errc::invalid_argument);
  EXPECT_TRUE(Bundle::create(*ah, *esp_bare));
}

TEST(Bundle, InnerPacketRoundTripLayout) {
  crypto::DeterministicRng rng(2);
  for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    for (Transform ah_t : {Transform::ah_hmac_sha256, Transform::ah_aes128_gmac}) {
      Side tx = make_side(fam, ah_t);
      Side rx = make_side(fam, ah_t);
      const Bytes inner = make_inner_packet(wire::IpFamily::v6, 200);
      Bytes out(tx.bundle.sealed_size(inner.size()));
      auto n = tx.bundle.seal_inner_packet(inner, out, rng);
      ASSERT_TRUE(n) << to_string(n.error());
      ASSERT_EQ(*n, out.size());
      // outer IP | AH (next header 50) | ESP (SPI of the ESP SA) ...
      auto info = wire::parse_ip_packet(out);
      ASSERT_TRUE(info);
      EXPECT_EQ(info->protocol, wire::kProtoAh);
      const size_t ah_at = info->payload_offset;
      EXPECT_EQ(out[ah_at], wire::kProtoEsp);
      const size_t esp_at = ah_at + (size_t{out[ah_at + 1]} + 2) * 4;
      EXPECT_EQ(load_be32(&out[esp_at]), 0xe0000001u);
      auto o = rx.bundle.open(out);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(o->next_header, wire::kProtoIpv6);
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), inner);
    }
  }
}

TEST(Bundle, SignalPayloadAndTamperAnywhereIsRejected) {
  crypto::DeterministicRng rng(2);
  Side tx = make_side(wire::IpFamily::v4);
  Side rx = make_side(wire::IpFamily::v4);
  const Bytes cell(64, 0x42);
  Bytes out(tx.bundle.sealed_size(cell.size()));
  ASSERT_TRUE(tx.bundle.seal(cell, wire::kProtoOnion, out, rng));
  // Any immutable byte from the AH header on (offset 20+) is protected.
  for (size_t i = 20; i < out.size(); ++i) {
    Bytes p = out;
    p[i] ^= 0x10;
    EXPECT_FALSE(rx.bundle.open(p)) << i;
  }
  auto o = rx.bundle.open(out);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->next_header, wire::kProtoOnion);
  EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), cell);
}

TEST(Bundle, AuthenticAhWithoutEspInsideIsCounted) {
  crypto::DeterministicRng rng(2);
  Side tx = make_side(wire::IpFamily::v4);
  Side rx = make_side(wire::IpFamily::v4);
  Bytes out(tx.ah->sealed_size(10));
  ASSERT_TRUE(tx.ah->seal(Bytes(10, 1), wire::kProtoOnion, out, rng));
  EXPECT_EQ(rx.bundle.open(out).error(), Errc::malformed);
  EXPECT_EQ(at(rx.bundle.drops(), Errc::malformed), 1u);
}

TEST(Bundle, WorksWithSaOwnedBySad) {
  crypto::DeterministicRng rng(2);
  Side tx = make_side(wire::IpFamily::v6);
  Sad sad;
  ASSERT_EQ(sad.insert(make_sa(make_config(Transform::ah_hmac_sha256, 0xa0000001, Framing::ip,
                                           wire::IpFamily::v6))),
            Errc::ok);
  ASSERT_EQ(sad.insert(make_sa(make_config(Transform::esp_aes256_gcm, 0xe0000001, Framing::bare,
                                           wire::IpFamily::v6))),
            Errc::ok);
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 30);
  Bytes out(tx.bundle.sealed_size(inner.size()));
  ASSERT_TRUE(tx.bundle.seal_inner_packet(inner, out, rng));
  // The engine's inbound path: SAD finds AH, then ESP by its SPI.
  auto a = sad.open_ip_packet(out);
  ASSERT_TRUE(a) << to_string(a.error());
  ASSERT_EQ(a->packet.next_header, wire::kProtoEsp);
  auto e = sad.open_esp(a->packet.payload);
  ASSERT_TRUE(e) << to_string(e.error());
  EXPECT_EQ(Bytes(e->packet.payload.begin(), e->packet.payload.end()), inner);
}

}  // namespace
}  // namespace ainet::sa
