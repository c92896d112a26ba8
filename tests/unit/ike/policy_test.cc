// Proposal selection (RFC 7296 §2.7, §3.3.6), traffic selector narrowing
// (§2.9), the CP address pool (§3.15) and cookies (§2.6).
#include <gtest/gtest.h>

#include "crypto/rng.h"
#include "ike/address_pool.h"
#include "ike/cookie.h"
#include "ike/engine_impl.h"
#include "ike/proposal.h"
#include "ike/ts_narrowing.h"

namespace ainet::ike {
namespace {

using wire::IpAddress;
using wire::IpPrefix;

Proposal ike(std::vector<TransformSpec> t, uint8_t num = 1) {
  Proposal p;
  p.number = num;
  p.protocol = static_cast<uint8_t>(ProtocolId::ike);
  p.transforms = std::move(t);
  return p;
}

const TransformSpec kGcm256{TransformType::encr, kEncrAesGcm16, 256};
const TransformSpec kGcm128{TransformType::encr, kEncrAesGcm16, 128};
const TransformSpec kPrf{TransformType::prf, kPrfHmacSha2_256, 0};
const TransformSpec kX25519{TransformType::dh, kDhCurve25519, 0};

TEST(ProposalSelection, PicksFirstAcceptableProposalAndTransform) {
  const ProposalPolicy pol;
  // Proposal 1 uses a PRF we do not have; proposal 2 offers 128 then 256:
  // the initiator's order within a proposal decides.
  auto s =
      select_ike_proposal({ike({kGcm256, {TransformType::prf, 2, 0}, kX25519}, 1),
                           ike({kGcm128, kGcm256, kPrf, {TransformType::dh, 19, 0}, kX25519}, 2)},
                          pol, false);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->proposal_number, 2);
  EXPECT_EQ(s->key_bits, 128);
}

TEST(ProposalSelection, RefusesWhatIsNotModern) {
  const ProposalPolicy pol;
  // AES-CBC, missing DH, INTEG with an AEAD, ESN in an IKE proposal, a
  // Key Length we do not allow, an unknown attribute, an SPI in IKE_SA_INIT.
  const std::vector<std::vector<TransformSpec>> bad = {
      {{TransformType::encr, 12, 256}, kPrf, kX25519},
      {kGcm256, kPrf},
      {kGcm256, kPrf, kX25519, {TransformType::integ, 12, 0}},
      {kGcm256, kPrf, kX25519, {TransformType::esn, 0, 0}},
      {{TransformType::encr, kEncrAesGcm16, 192}, kPrf, kX25519},
      {{TransformType::encr, kEncrAesGcm16, 256, true}, kPrf, kX25519},
  };
  for (const auto& t : bad)
    EXPECT_EQ(select_ike_proposal({ike(t)}, pol, false).error(), Errc::not_found);
  Proposal with_spi = ike({kGcm256, kPrf, kX25519});
  with_spi.spi_size = 8;
  with_spi.spi = 5;
  EXPECT_FALSE(select_ike_proposal({with_spi}, pol, false).ok());
  EXPECT_TRUE(select_ike_proposal({with_spi}, pol, true).ok());  // §1.3.2 rekey carries it
  // INTEG NONE with the AEAD is fine (§3.3.2).
  EXPECT_TRUE(
      select_ike_proposal({ike({kGcm256, kPrf, kX25519, {TransformType::integ, 0, 0}})}, pol, false)
          .ok());
}

TEST(ProposalSelection, EspEsnAndPfs) {
  ProposalPolicy pol;
  Proposal p = make_esp_proposal(pol, 0x12345678, true);  // 256, 128, DH 31, ESN no, yes
  auto s = select_esp_proposal({p}, pol, true, false);    // IKE_AUTH: DH ignored
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->spi, 0x12345678u);
  EXPECT_FALSE(s->esn);
  EXPECT_EQ(s->dh_group, kDhNone);
  s = select_esp_proposal({p}, pol, false, true);  // CREATE_CHILD_SA with KE
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->dh_group, kDhCurve25519);
  // A proposal that insists on DH cannot be met without a KE payload.
  EXPECT_FALSE(select_esp_proposal({p}, pol, false, false).ok());
  // ESN only, and our policy prefers ESN.
  pol.esp_esn = {kEsnYes};
  s = select_esp_proposal({make_esp_proposal(ProposalPolicy{}, 0x1000, false)}, pol, true, false);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->esn);
  // RFC 4303 §2.1: SPIs below 256 are refused.
  EXPECT_FALSE(
      select_esp_proposal({make_esp_proposal(ProposalPolicy{}, 7, false)}, pol, true, false).ok());
  // The answer has exactly one transform of each offered type.
  const Proposal r = esp_response_proposal(*s, 0xabcd0001);
  EXPECT_EQ(r.transforms.size(), 2u);
  auto back = accept_esp_response({r}, make_esp_proposal(ProposalPolicy{}, 0x1000, false));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->spi, 0xabcd0001u);
  EXPECT_TRUE(back->esn);
}

TEST(ProposalSelection, InitiatorChecksTheAnswer) {
  const Proposal offered = make_ike_proposal(ProposalPolicy{}, 0, 0);
  EXPECT_TRUE(accept_ike_response({ike({kGcm128, kPrf, kX25519})}, offered).ok());
  // Two ENCR transforms, a transform we did not offer, a missing DH, two
  // proposals, a wrong proposal number: all refused (§3.3.6).
  EXPECT_FALSE(accept_ike_response({ike({kGcm128, kGcm256, kPrf, kX25519})}, offered).ok());
  EXPECT_FALSE(accept_ike_response(
                   {ike({{TransformType::encr, kEncrAesGcm16, 192}, kPrf, kX25519})}, offered)
                   .ok());
  EXPECT_FALSE(accept_ike_response({ike({kGcm128, kPrf})}, offered).ok());
  EXPECT_FALSE(
      accept_ike_response({ike({kGcm128, kPrf, kX25519}), ike({kGcm128, kPrf, kX25519})}, offered)
          .ok());
  EXPECT_FALSE(accept_ike_response({ike({kGcm128, kPrf, kX25519}, 2)}, offered).ok());
}

TrafficSelector range(const char* a, const char* b, uint8_t proto = 0, uint16_t sp = 0,
                      uint16_t ep = 65535) {
  TrafficSelector t = TrafficSelector::host(*IpAddress::parse(a));
  t.end = *IpAddress::parse(b);
  t.ip_protocol = proto;
  t.start_port = sp;
  t.end_port = ep;
  return t;
}

TEST(TsNarrowing, IntersectionsInProposedOrder) {
  const auto any = TrafficSelector::any_v4();
  const auto net = TrafficSelector::from_prefix(*IpPrefix::parse("10.1.0.0/16"));
  EXPECT_EQ(narrow({any}, {net}), std::vector<TrafficSelector>{net});
  EXPECT_EQ(narrow({range("10.0.0.0", "10.1.0.9")}, {net}),
            std::vector<TrafficSelector>{range("10.1.0.0", "10.1.0.9")});
  // Protocol and ports intersect too; 0 = any protocol.
  EXPECT_EQ(narrow({range("10.1.0.1", "10.1.0.1", 17, 0, 1000)},
                   {range("10.1.0.0", "10.1.255.255", 0, 500, 65535)}),
            std::vector<TrafficSelector>{range("10.1.0.1", "10.1.0.1", 17, 500, 1000)});
  EXPECT_TRUE(
      narrow({range("10.1.0.1", "10.1.0.1", 6)}, {range("10.1.0.1", "10.1.0.1", 17)}).empty());
  EXPECT_TRUE(narrow({range("10.2.0.0", "10.2.0.9")}, {net}).empty());
  EXPECT_TRUE(narrow({TrafficSelector::any_v6()}, {net}).empty());  // families never mix
  // Both families at once.
  EXPECT_EQ(narrow({any, TrafficSelector::any_v6()}, {TrafficSelector::any_v6(), net}).size(), 2u);
}

TEST(TsNarrowing, InitiatorAcceptsOnlySubsets) {
  const auto net = TrafficSelector::from_prefix(*IpPrefix::parse("10.1.0.0/16"));
  EXPECT_TRUE(all_within({range("10.1.2.0", "10.1.2.255")}, {net}));
  EXPECT_FALSE(all_within({range("10.1.2.0", "10.2.0.0")}, {net}));
  EXPECT_FALSE(all_within({}, {net}));
}

TEST(AddressPool, LeasesReleasesTransfers) {
  AddressPool p(*IpPrefix::parse("10.9.0.0/29"));  // .1 .. .6 usable
  std::vector<IpAddress> got;
  for (int i = 0; i < 6; ++i) {
    auto a = p.lease(100 + i);
    ASSERT_TRUE(a.has_value());
    got.push_back(*a);
  }
  EXPECT_EQ(got.front().to_string(), "10.9.0.1");
  EXPECT_EQ(got.back().to_string(), "10.9.0.6");
  EXPECT_FALSE(p.lease(1).has_value());  // exhausted: no .0, no .7 (broadcast)
  p.release(got[2]);
  auto again = p.lease(7);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(*again, got[2]);
  p.transfer(7, 8);
  EXPECT_EQ(p.owner_of(got[2]), std::optional<uint64_t>(8));
  AddressPool v6(*IpPrefix::parse("fd00:9::/120"));
  EXPECT_EQ(v6.lease(1)->to_string(), "fd00:9::1");
  EXPECT_FALSE(AddressPool().lease(1).has_value());
  EXPECT_FALSE(AddressPool(*IpPrefix::parse("10.0.0.1/32")).lease(1).has_value());
}

TEST(CookieJar, StatelessCheckAndRotation) {
  crypto::DeterministicRng rng(1);
  CookieJar jar(rng);
  const Bytes ni(32, 1);
  const IpAddress ip = IpAddress::v4(0xc0000201);
  const Bytes c = jar.make(ni, ip, 42);
  EXPECT_EQ(c.size(), CookieJar::kCookieLen);
  EXPECT_TRUE(jar.check(c, ni, ip, 42));
  EXPECT_FALSE(jar.check(c, ni, ip, 43));                         // other SPIi
  EXPECT_FALSE(jar.check(c, ni, IpAddress::v4(0xc0000202), 42));  // other address
  EXPECT_FALSE(jar.check(c, Bytes(32, 2), ip, 42));               // other nonce
  Bytes bad = c;
  bad.back() ^= 1;
  EXPECT_FALSE(jar.check(bad, ni, ip, 42));
  // §2.6: after one rotation the old cookie still works, after two it does not.
  jar.rotate(rng);
  EXPECT_TRUE(jar.check(c, ni, ip, 42));
  EXPECT_NE(jar.make(ni, ip, 42), c);
  jar.rotate(rng);
  EXPECT_FALSE(jar.check(c, ni, ip, 42));
}

TEST(RekeyCollision, NonceOrderIsOctetWise) {
  // §2.8.1: compare octet by octet; a nonce that ends first is the lower.
  EXPECT_TRUE(nonce_less(Bytes{1, 2}, Bytes{1, 3}));
  EXPECT_FALSE(nonce_less(Bytes{1, 3}, Bytes{1, 2}));
  EXPECT_TRUE(nonce_less(Bytes{0xff}, Bytes{0xff, 0}));           // prefix is lower
  EXPECT_TRUE(nonce_less(Bytes{0x01, 0xff, 0xff}, Bytes{0x02}));  // not as integers
  EXPECT_FALSE(nonce_less(Bytes{7, 7}, Bytes{7, 7}));
  const Bytes a{5, 1}, b{4, 9};
  EXPECT_EQ(min_nonce(a, b).data(), b.data());
}

}  // namespace
}  // namespace ainet::ike
