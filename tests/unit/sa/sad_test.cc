// SAD: SPI-keyed lookup and the inbound steps before an SA is known.
#include "sa/sad.h"

#include <gtest/gtest.h>

#include "crypto/rng.h"
#include "sa_test_support.h"
#include "wire/constants.h"

namespace ainet::sa {
namespace {

using test::make_config;
using test::make_inner_packet;
using test::make_sa;

TEST(Sad, InsertFindErase) {
  Sad sad;
  EXPECT_EQ(sad.insert(make_sa(make_config(Transform::esp_aes128_gcm, 0x1000, Framing::ip))),
            Errc::ok);
  EXPECT_EQ(sad.insert(make_sa(make_config(Transform::ah_hmac_sha256, 0x2000, Framing::ip))),
            Errc::ok);
  EXPECT_EQ(sad.insert(make_sa(make_config(Transform::esp_aes128_gcm, 0x1000, Framing::bare))),
            Errc::exists);
  // RFC 4303 §2.1: SPI 0 is never sent, 1..255 are reserved.
  EXPECT_EQ(sad.insert(make_sa(make_config(Transform::esp_aes128_gcm, 0, Framing::ip))),
            Errc::invalid_argument);
  EXPECT_EQ(sad.insert(make_sa(make_config(Transform::esp_aes128_gcm, 255, Framing::ip))),
            Errc::invalid_argument);
  EXPECT_EQ(sad.insert(nullptr), Errc::invalid_argument);
  EXPECT_EQ(sad.size(), 2u);
  ASSERT_NE(sad.find(0x1000), nullptr);
  EXPECT_EQ(sad.find(0x1000)->protocol(), Protocol::esp);
  EXPECT_EQ(sad.find(0x2000)->protocol(), Protocol::ah);
  EXPECT_EQ(sad.find(0x3000), nullptr);
  EXPECT_TRUE(sad.erase(0x1000));
  EXPECT_FALSE(sad.erase(0x1000));
  EXPECT_EQ(sad.find(0x1000), nullptr);
}

TEST(Sad, OpenIpPacketDispatchesEspAndAhByProtocolAndSpi) {
  crypto::DeterministicRng rng(1);
  for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    const auto esp_c = make_config(Transform::esp_chacha20_poly1305, 0x11111111, Framing::ip, fam);
    const auto ah_c = make_config(Transform::ah_hmac_sha256, 0x22222222, Framing::ip, fam);
    Sad sad;
    ASSERT_EQ(sad.insert(make_sa(esp_c)), Errc::ok);
    ASSERT_EQ(sad.insert(make_sa(ah_c)), Errc::ok);
    auto esp_tx = make_sa(esp_c);
    auto ah_tx = make_sa(ah_c);
    const Bytes inner = make_inner_packet(wire::IpFamily::v4, 60);

    Bytes e(esp_tx->sealed_size(inner.size()));
    ASSERT_TRUE(esp_tx->seal_inner_packet(inner, e, rng));
    auto r = sad.open_ip_packet(e);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->sa->spi(), 0x11111111u);
    EXPECT_EQ(Bytes(r->packet.payload.begin(), r->packet.payload.end()), inner);

    Bytes a(ah_tx->sealed_size(inner.size()));
    ASSERT_TRUE(ah_tx->seal_inner_packet(inner, a, rng));
    r = sad.open_ip_packet(a);
    ASSERT_TRUE(r) << to_string(r.error());
    EXPECT_EQ(r->sa->spi(), 0x22222222u);
    EXPECT_EQ(r->packet.next_header, wire::kProtoIpv4);

    // A failure inside the SA is counted by the SA, not the SAD.
    ASSERT_TRUE(ah_tx->seal_inner_packet(inner, a, rng));
    a.back() ^= 1;
    EXPECT_EQ(sad.open_ip_packet(a).error(), Errc::auth_failed);
    EXPECT_EQ(sad.find(0x22222222)->counters().dropped(Errc::auth_failed), 1u);
    EXPECT_EQ(sad.counters().dropped(Errc::auth_failed), 0u);
  }
}

TEST(Sad, DropsBeforeLookupAreCountedInTheSad) {
  crypto::DeterministicRng rng(1);
  const auto c = make_config(Transform::esp_aes256_gcm, 0xabcdef01, Framing::ip);
  Sad sad;
  ASSERT_EQ(sad.insert(make_sa(c)), Errc::ok);
  auto tx = make_sa(c);
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 20);
  Bytes pkt(tx->sealed_size(inner.size()));
  ASSERT_TRUE(tx->seal_inner_packet(inner, pkt, rng));

  // Unknown SPI.
  Bytes unknown = pkt;
  unknown[20] ^= 0x40;
  EXPECT_EQ(sad.open_ip_packet(unknown).error(), Errc::unknown_spi);
  // Truncated before the SPI can be read.
  EXPECT_EQ(sad.open_ip_packet(MutByteSpan(pkt).first(24)).error(), Errc::truncated);
  EXPECT_EQ(sad.open_ip_packet(MutByteSpan(pkt).first(10)).error(), Errc::truncated);
  EXPECT_EQ(sad.open_ip_packet(MutByteSpan()).error(), Errc::truncated);
  // Neither ESP nor AH.
  Bytes udp = make_inner_packet(wire::IpFamily::v4, 20);
  EXPECT_EQ(sad.open_ip_packet(udp).error(), Errc::unsupported);
  // Not IP.
  Bytes junk(40, 0x70);
  EXPECT_EQ(sad.open_ip_packet(junk).error(), Errc::bad_version);
  // Right SPI, wrong protocol: no SA for (SPI, AH).
  Bytes as_ah = pkt;
  as_ah[9] = wire::kProtoAh;
  store_be32(&as_ah[24], 0xabcdef01);
  EXPECT_EQ(sad.open_ip_packet(as_ah).error(), Errc::unknown_spi);

  EXPECT_EQ(sad.counters().dropped(Errc::unknown_spi), 2u);
  EXPECT_EQ(sad.counters().dropped(Errc::truncated), 3u);
  EXPECT_EQ(sad.counters().dropped(Errc::unsupported), 1u);
  EXPECT_EQ(sad.counters().dropped(Errc::bad_version), 1u);
  EXPECT_TRUE(sad.open_ip_packet(pkt));
}

TEST(Sad, UdpEncapsulatedEsp) {
  crypto::DeterministicRng rng(1);
  const auto c = make_config(Transform::esp_null_hmac_sha256, 0x5555aaaa, Framing::udp);
  Sad sad;
  ASSERT_EQ(sad.insert(make_sa(c)), Errc::ok);
  auto tx = make_sa(c);
  Bytes payload(tx->sealed_size(33));
  ASSERT_TRUE(tx->seal(Bytes(33, 7), wire::kProtoOnion, payload, rng));
  // RFC 3948 §2.1: the UDP payload starts with the (non-zero) SPI.
  EXPECT_EQ(load_be32(payload.data()), 0x5555aaaau);
  auto r = sad.open_udp_payload(payload);
  ASSERT_TRUE(r) << to_string(r.error());
  EXPECT_EQ(r->packet.payload.size(), 33u);

  Bytes keepalive{0xff};  // RFC 3948 §2.3
  EXPECT_EQ(sad.open_udp_payload(keepalive).error(), Errc::unsupported);
  Bytes ike(40, 0);  // RFC 3948 §2.2: non-ESP marker
  ike[10] = 1;
  EXPECT_EQ(sad.open_udp_payload(ike).error(), Errc::unsupported);
  Bytes empty;
  EXPECT_EQ(sad.open_udp_payload(empty).error(), Errc::truncated);
  EXPECT_EQ(sad.counters().dropped(Errc::unsupported), 2u);
  EXPECT_EQ(sad.counters().dropped(Errc::truncated), 1u);
  // An SA with ip framing is not reachable through the udp entry point.
  EXPECT_EQ(sad.open_esp(payload).error(), Errc::unknown_spi);
}

TEST(Sad, OpenBareEsp) {
  crypto::DeterministicRng rng(1);
  const auto c = make_config(Transform::esp_aes128_cbc_hmac_sha256, 0x7777, Framing::bare);
  Sad sad;
  ASSERT_EQ(sad.insert(make_sa(c)), Errc::ok);
  auto tx = make_sa(c);
  Bytes pkt(tx->sealed_size(100));
  ASSERT_TRUE(tx->seal(Bytes(100, 1), 4, pkt, rng));
  auto r = sad.open_esp(pkt);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->packet.payload.size(), 100u);
  EXPECT_EQ(sad.open_esp(MutByteSpan(pkt).first(7)).error(), Errc::truncated);
  EXPECT_EQ(sad.counters().dropped(Errc::truncated), 1u);
}

}  // namespace
}  // namespace ainet::sa
