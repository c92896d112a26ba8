// Known answers for the IKEv2 key schedule, AUTH, SK payload and NAT
// detection. The expected values come from tests/unit/ike/gen_ike_vectors.py,
// which recomputes the RFC 7296 formulas with Python's hmac/hashlib and the
// `cryptography` module, independently of ainet.
#include <gtest/gtest.h>

#include "crypto/kex.h"
#include "ike/auth.h"
#include "ike/keys.h"
#include "ike/nat_detection.h"
#include "ike/sk.h"
#include "ike_test_util.h"
#include "ike_vectors.h"

namespace ainet::ike {
namespace {

using test::hex;
namespace v = vectors;

constexpr uint64_t kSpiI = 0x0102030405060708, kSpiR = 0x1112131415161718;

TEST(IkeKat, PrfPlusMatchesIndependentComputation) {
  Bytes out(200);
  ASSERT_EQ(prf_plus(hex(v::kPrfplusKey), hex(v::kPrfplusSeed), out), Errc::ok);
  EXPECT_EQ(to_hex(out), v::kPrfplusOut);
  // Any prefix is the same stream (§2.13: output is T1 | T2 | ...).
  Bytes part(33);
  ASSERT_EQ(prf_plus(hex(v::kPrfplusKey), hex(v::kPrfplusSeed), part), Errc::ok);
  EXPECT_EQ(to_hex(part), std::string(v::kPrfplusOut).substr(0, 66));
  // 255 blocks is the most the one-octet counter allows.
  Bytes too_long(255 * 32 + 1);
  EXPECT_EQ(prf_plus(hex(v::kPrfplusKey), hex(v::kPrfplusSeed), too_long), Errc::invalid_argument);
}

TEST(IkeKat, Curve25519SharedSecret) {
  uint8_t gir[32];
  ASSERT_EQ(crypto::x25519(hex(v::kX25519PrivI), hex(v::kX25519PubR), gir), Errc::ok);
  EXPECT_EQ(to_hex(gir), v::kGir);
  ASSERT_EQ(crypto::x25519(hex(v::kX25519PrivR), hex(v::kX25519PubI), gir), Errc::ok);
  EXPECT_EQ(to_hex(gir), v::kGir);
}

TEST(IkeKat, IkeSaKeysBothKeySizes) {
  auto k = derive_ike_sa_keys(hex(v::kNi), hex(v::kNr), hex(v::kGir), kSpiI, kSpiR, 32);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(to_hex(k->sk_d.span()), v::kSkD256);
  EXPECT_EQ(to_hex(k->sk_ei.span()), v::kSkEi256);
  EXPECT_EQ(to_hex(k->sk_er.span()), v::kSkEr256);
  EXPECT_EQ(to_hex(k->sk_pi.span()), v::kSkPi256);
  EXPECT_EQ(to_hex(k->sk_pr.span()), v::kSkPr256);
  auto k128 = derive_ike_sa_keys(hex(v::kNi), hex(v::kNr), hex(v::kGir), kSpiI, kSpiR, 16);
  ASSERT_TRUE(k128.ok());
  EXPECT_EQ(to_hex(k128->sk_d.span()), v::kSkD128);
  EXPECT_EQ(to_hex(k128->sk_ei.span()), v::kSkEi128);
  EXPECT_EQ(to_hex(k128->sk_er.span()), v::kSkEr128);
  EXPECT_EQ(to_hex(k128->sk_pi.span()), v::kSkPi128);
  EXPECT_EQ(to_hex(k128->sk_pr.span()), v::kSkPr128);
  EXPECT_EQ(derive_ike_sa_keys(hex(v::kNi), hex(v::kNr), hex(v::kGir), kSpiI, kSpiR, 24).error(),
            Errc::invalid_argument);
}

TEST(IkeKat, RekeyedIkeSaKeys) {
  auto k = derive_rekeyed_ike_sa_keys(hex(v::kSkD256), hex(v::kGir2), hex(v::kNi2), hex(v::kNr2),
                                      0x2122232425262728, 0x3132333435363738, 32);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(to_hex(k->sk_d.span()), v::kRekeySkD);
  EXPECT_EQ(to_hex(k->sk_ei.span()), v::kRekeySkEi);
  EXPECT_EQ(to_hex(k->sk_er.span()), v::kRekeySkEr);
  EXPECT_EQ(to_hex(k->sk_pi.span()), v::kRekeySkPi);
  EXPECT_EQ(to_hex(k->sk_pr.span()), v::kRekeySkPr);
}

TEST(IkeKat, ChildSaKeymatWithAndWithoutPfs) {
  auto k = derive_child_sa_keys(hex(v::kSkD256), {}, hex(v::kNi), hex(v::kNr), 36);
  ASSERT_TRUE(k.ok());
  EXPECT_EQ(to_hex(k->i_to_r.span()), v::kChildI2r);
  EXPECT_EQ(to_hex(k->r_to_i.span()), v::kChildR2i);
  EXPECT_EQ(to_hex(k->extra.span()), v::kChildExtra);
  auto p = derive_child_sa_keys(hex(v::kSkD256), hex(v::kGir2), hex(v::kNi2), hex(v::kNr2), 36);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(to_hex(p->i_to_r.span()), v::kChildPfsI2r);
  EXPECT_EQ(to_hex(p->r_to_i.span()), v::kChildPfsR2i);
  EXPECT_EQ(to_hex(p->extra.span()), v::kChildPfsExtra);
}

TEST(IkeKat, PskAndEd25519Auth) {
  const Identity idi = Identity::fqdn("initiator.example");
  auto octets = auth_signed_octets(hex(v::kMsg1), hex(v::kNr), hex(v::kSkPi256), idi);
  ASSERT_TRUE(octets.ok());
  EXPECT_EQ(to_hex(*octets), v::kSignedOctetsI);
  auto psk = psk_auth_data(hex(v::kPsk), *octets);
  ASSERT_TRUE(psk.ok());
  EXPECT_EQ(to_hex(*psk), v::kPskAuthI);
  auto ed = ed25519_auth_data(hex(v::kEd25519Seed), *octets);
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(to_hex(*ed), v::kEd25519AuthI);
  auto pub = crypto::ed25519_public(hex(v::kEd25519Seed));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(to_hex(*pub), v::kEd25519Pub);
}

TEST(IkeKat, SkPayloadSealMatchesIndependentAesGcm) {
  auto c = SkCipher::create(hex(v::kSkEi256));
  ASSERT_TRUE(c.ok());
  // The vector used IV 7: advance the counter to it by sealing 7 throwaways.
  Bytes scratch;
  IkeHeader h;
  h.spi_i = kSpiI;
  h.spi_r = kSpiR;
  h.exchange = static_cast<uint8_t>(ExchangeType::ike_auth);
  h.flags = kFlagInitiator;
  h.message_id = 1;
  for (int i = 0; i < 7; ++i) ASSERT_EQ(c.value()->seal_message(h, 0, {}, scratch), Errc::ok);
  Bytes msg;
  ASSERT_EQ(c.value()->seal_message(h, 35, hex(v::kSkInner), msg), Errc::ok);
  EXPECT_EQ(to_hex(msg), v::kSkMessage);
  // And it opens with an independently keyed receiver.
  auto rx = SkCipher::create(hex(v::kSkEi256));
  ASSERT_TRUE(rx.ok());
  auto m = parse_message(msg);
  ASSERT_TRUE(m.ok());
  Bytes plain;
  ASSERT_EQ(rx.value()->open(*m, plain), Errc::ok);
  EXPECT_EQ(to_hex(plain), v::kSkInner);
}

TEST(IkeKat, NatDetectionHash) {
  auto a = nat_detection_hash(kSpiI, kSpiR, wire::IpAddress::v4(0xc0000201), 500);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(to_hex(*a), v::kNatdV4);
  auto b = nat_detection_hash(kSpiI, 0, *wire::IpAddress::parse("2001:db8::1"), 4500);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_hex(*b), v::kNatdV6);
  EXPECT_TRUE(nat_hash_matches(*a, kSpiI, kSpiR, wire::IpAddress::v4(0xc0000201), 500));
  EXPECT_FALSE(nat_hash_matches(*a, kSpiI, kSpiR, wire::IpAddress::v4(0xc0000201), 501));
  EXPECT_FALSE(nat_hash_matches(ByteSpan(a->data(), 19), kSpiI, kSpiR,
                                wire::IpAddress::v4(0xc0000201), 500));
}

}  // namespace
}  // namespace ainet::ike
