// AH security associations (RFC 4302): the ICV covers every immutable byte
// of the outer packet; the mutable fields of RFC 4302 §3.3.3.1 may change.
#include <gtest/gtest.h>

#include <set>

#include "crypto/rng.h"
#include "sa/security_association.h"
#include "sa_test_support.h"
#include "wire/constants.h"
#include "wire/ipv4.h"

namespace ainet::sa {
namespace {

using test::kAhTransforms;
using test::make_config;
using test::make_inner_packet;
using test::make_sa;
using test::name_of;

constexpr uint32_t kSpi = 0x0badcafe;

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed ^ (i * 5));
  return b;
}

std::string trace(Transform t, wire::IpFamily f, bool esn) {
  return name_of(t) + (f == wire::IpFamily::v4 ? " v4" : " v6") + (esn ? " esn" : "");
}

size_t expected_ah_len(Transform t, wire::IpFamily f) {
  const bool gmac = t != Transform::ah_hmac_sha256;
  if (f == wire::IpFamily::v4) return gmac ? 36 : 28;  // 12 + (8 +) 16, 4-aligned
  return gmac ? 40 : 32;                                // 8-aligned (RFC 4302 §2.6, RFC 4543 errata 3643)
}

// Offsets of the outer header bytes RFC 4302 §3.3.3.1 calls mutable.
std::set<size_t> mutable_bytes(wire::IpFamily f) {
  if (f == wire::IpFamily::v4) return {1, 6, 7, 8, 10, 11};  // TOS, flags+frag, TTL, checksum
  return {1, 2, 3, 7};  // (byte 0 low nibble too) traffic class, flow label, hop limit
}

// Runs body(transform, outer family, config, tx, rx) for every AH transform,
// outer family and ESN setting, with a sending and a receiving SA of the
// same configuration.
template <class Body>
void for_every_ah_sa(Body body) {
  for (Transform t : kAhTransforms) {
    for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
      for (bool esn : {false, true}) {
        SCOPED_TRACE(trace(t, fam, esn));
        const auto c = make_config(t, kSpi, Framing::ip, fam, esn);
        auto tx = make_sa(c);
        auto rx = make_sa(c);
        body(t, fam, c, tx.get(), rx.get());
      }
    }
  }
}

TEST(AhSa, RoundTripEveryTransformFamilyAndEsn) {
  crypto::DeterministicRng rng(3);
  for_every_ah_sa([&](Transform t, wire::IpFamily fam, const SaConfig& c, SecurityAssociation* tx,
                      SecurityAssociation* rx) {
    for (size_t len : {0, 1, 7, 64, 1000}) {
      const Bytes payload = pattern(len, 0x33);
      Bytes out(tx->sealed_size(len));
      auto n = tx->seal(payload, wire::kProtoOnion, out, rng);
      ASSERT_TRUE(n) << to_string(n.error());
      ASSERT_EQ(*n, out.size());
      const size_t hdr = wire::outer_header_len(fam);
      EXPECT_EQ(*n, hdr + expected_ah_len(t, fam) + len);
      auto info = wire::parse_ip_packet(out);
      ASSERT_TRUE(info) << to_string(info.error());
      EXPECT_EQ(info->protocol, wire::kProtoAh);
      EXPECT_EQ(info->src, c.local);
      EXPECT_EQ(info->dst, c.remote);
      EXPECT_EQ(out[hdr], wire::kProtoOnion);
      EXPECT_EQ((size_t{out[hdr + 1]} + 2) * 4, expected_ah_len(t, fam));
      EXPECT_EQ(load_be32(&out[hdr + 4]), kSpi);
      auto o = rx->open(out);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(o->next_header, wire::kProtoOnion);
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), payload);
    }
  });
}

TEST(AhSa, TunnelModeCarriesInnerPacket) {
  crypto::DeterministicRng rng(3);
  for (auto outer : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    for (auto inner_fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
      const auto c = make_config(Transform::ah_hmac_sha256, kSpi, Framing::ip, outer);
      auto tx = make_sa(c);
      auto rx = make_sa(c);
      const Bytes inner = make_inner_packet(inner_fam, 77);
      Bytes out(tx->sealed_size(inner.size()));
      ASSERT_TRUE(tx->seal_inner_packet(inner, out, rng));
      auto o = rx->open(out);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(o->next_header, wire::tunnel_next_header(inner_fam));
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), inner);
    }
  }
}

// Every bit of every immutable byte is covered by the ICV.
TEST(AhSa, FlippingAnyImmutableBitIsRejected) {
  crypto::DeterministicRng rng(9);
  for_every_ah_sa([&](Transform, wire::IpFamily fam, const SaConfig&, SecurityAssociation* tx,
                      SecurityAssociation* rx) {
    Bytes sealed(tx->sealed_size(23));
    ASSERT_TRUE(tx->seal(pattern(23, 1), wire::kProtoOnion, sealed, rng));
    const auto mut = mutable_bytes(fam);
    size_t tried = 0;
    for (size_t i = 0; i < sealed.size(); ++i) {
      for (int b = 0; b < 8; ++b) {
        const bool v6_tc_nibble = fam == wire::IpFamily::v6 && i == 0 && b < 4;
        if (mut.count(i) || v6_tc_nibble) continue;
        Bytes pkt = sealed;
        pkt[i] ^= static_cast<uint8_t>(1u << b);
        EXPECT_FALSE(rx->open(pkt)) << "byte " << i << " bit " << b << " accepted";
        ++tried;
      }
    }
    EXPECT_GT(tried, 8 * (sealed.size() - 8));
    EXPECT_EQ(rx->counters().packets_in, 0u);
    EXPECT_GT(rx->counters().dropped(Errc::auth_failed), 0u);
    Bytes pkt = sealed;
    EXPECT_TRUE(rx->open(pkt));  // the window did not move
  });
}

// RFC 4302 §3.3.3.1: changes a router may make en route do not break the ICV.
TEST(AhSa, ChangingMutableFieldsIsAccepted) {
  crypto::DeterministicRng rng(9);
  using Mutation = void (*)(Bytes&);
  struct Case {
    const char* name;
    wire::IpFamily fam;
    Mutation mutate;
  };
  const Case cases[] = {
      {"v4 ttl", wire::IpFamily::v4, [](Bytes& p) { p[8] = 1; }},
      {"v4 tos/dscp/ecn", wire::IpFamily::v4, [](Bytes& p) { p[1] = 0xb9; }},
      {"v4 DF flag cleared", wire::IpFamily::v4, [](Bytes& p) { p[6] &= 0xbf; }},
      {"v4 reserved flag set", wire::IpFamily::v4, [](Bytes& p) { p[6] |= 0x80; }},
      {"v4 checksum", wire::IpFamily::v4, [](Bytes& p) { p[10] ^= 0x5a, p[11] ^= 0xa5; }},
      {"v4 ttl + checksum fixed", wire::IpFamily::v4,
       [](Bytes& p) {
         p[8] -= 3;
         ASSERT_EQ(wire::ipv4_update_checksum(p), Errc::ok);
       }},
      {"v6 hop limit", wire::IpFamily::v6, [](Bytes& p) { p[7] = 2; }},
      {"v6 traffic class", wire::IpFamily::v6,
       [](Bytes& p) { p[0] = static_cast<uint8_t>((p[0] & 0xf0) | 0x0b), p[1] ^= 0xf0; }},
      {"v6 flow label", wire::IpFamily::v6,
       [](Bytes& p) { p[1] ^= 0x0f, p[2] = 0x12, p[3] = 0x34; }},
  };
  for (Transform t : kAhTransforms) {
    for (const Case& k : cases) {
      SCOPED_TRACE(name_of(t) + " " + k.name);
      const auto c = make_config(t, kSpi, Framing::ip, k.fam, true);
      auto tx = make_sa(c);
      auto rx = make_sa(c);
      Bytes pkt(tx->sealed_size(40));
      ASSERT_TRUE(tx->seal(pattern(40, 2), wire::kProtoOnion, pkt, rng));
      const Bytes before = pkt;
      k.mutate(pkt);
      ASSERT_NE(pkt, before);
      auto o = rx->open(pkt);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), pattern(40, 2));
    }
  }
}

TEST(AhSa, ConfiguredFlowLabelAndHopLimitAppearOnTheOuterIpv6Header) {
  crypto::DeterministicRng rng(9);
  auto c = make_config(Transform::ah_hmac_sha256, kSpi, Framing::ip, wire::IpFamily::v6);
  c.flow_label = 0xabcde;
  c.hop_limit = 17;
  auto tx = make_sa(c);
  auto rx = make_sa(c);
  Bytes pkt(tx->sealed_size(10));
  ASSERT_TRUE(tx->seal(pattern(10, 0), 253, pkt, rng));
  EXPECT_EQ(((pkt[1] & 0x0fU) << 16) | (pkt[2] << 8) | pkt[3], 0xabcdeu);
  EXPECT_EQ(pkt[7], 17);
  EXPECT_TRUE(rx->open(pkt));
}

TEST(AhSa, FragmentsAndOptionsAreUnsupported) {
  crypto::DeterministicRng rng(9);
  const auto c = make_config(Transform::ah_hmac_sha256, kSpi, Framing::ip);
  auto tx = make_sa(c);
  auto rx = make_sa(c);
  Bytes pkt(tx->sealed_size(40));
  ASSERT_TRUE(tx->seal(pattern(40, 2), 4, pkt, rng));
  Bytes frag = pkt;
  frag[6] |= 0x20;  // MF: RFC 4302 §3.4.1 -- AH is verified on whole datagrams only
  EXPECT_EQ(rx->open(frag).error(), Errc::unsupported);
  Bytes opts = pkt;
  opts[0] = 0x46;  // IHL 6: an options word
  EXPECT_EQ(rx->open(opts).error(), Errc::unsupported);
  EXPECT_EQ(rx->counters().dropped(Errc::unsupported), 2u);
  EXPECT_TRUE(rx->open(pkt));
}

TEST(AhSa, ReplayStaleUnknownSpiTruncatedAreCountedSeparately) {
  crypto::DeterministicRng rng(9);
  auto c = make_config(Transform::ah_aes128_gmac, kSpi, Framing::ip, wire::IpFamily::v6);
  c.replay_window = 64;
  auto tx = make_sa(c);
  auto rx = make_sa(c);
  std::vector<Bytes> sent;
  for (int i = 0; i < 80; ++i) {
    Bytes out(tx->sealed_size(16));
    ASSERT_TRUE(tx->seal(pattern(16, 3), 253, out, rng));
    sent.push_back(out);
  }
  Bytes p = sent[79];
  ASSERT_TRUE(rx->open(p));
  p = sent[79];
  EXPECT_EQ(rx->open(p).error(), Errc::replay);
  p = sent[2];
  EXPECT_EQ(rx->open(p).error(), Errc::stale);
  p = sent[40];
  EXPECT_EQ(rx->open(MutByteSpan(p).first(50)).error(), Errc::truncated);
  auto c2 = c;
  c2.spi = kSpi + 1;
  auto other = make_sa(c2);
  Bytes q(other->sealed_size(16));
  ASSERT_TRUE(other->seal(pattern(16, 3), 253, q, rng));
  EXPECT_EQ(rx->open(q).error(), Errc::unknown_spi);
  const SaCounters& k = rx->counters();
  EXPECT_EQ(k.dropped(Errc::replay), 1u);
  EXPECT_EQ(k.dropped(Errc::stale), 1u);
  EXPECT_EQ(k.dropped(Errc::truncated), 1u);
  EXPECT_EQ(k.dropped(Errc::unknown_spi), 1u);
  EXPECT_EQ(k.packets_in, 1u);
}

TEST(AhSa, GmacIvIsTheSequenceNumberAndAuthenticated) {
  crypto::DeterministicRng rng(9);
  const auto c = make_config(Transform::ah_aes256_gmac, kSpi, Framing::ip, wire::IpFamily::v4,
                             false, 1000);
  auto tx = make_sa(c);
  auto rx = make_sa(c);
  Bytes pkt(tx->sealed_size(8));
  ASSERT_TRUE(tx->seal(pattern(8, 0), 253, pkt, rng));
  EXPECT_EQ(load_be64(&pkt[20 + 12]), 1001u);
  Bytes bad = pkt;
  bad[20 + 12 + 7] ^= 1;  // IV
  EXPECT_EQ(rx->open(bad).error(), Errc::auth_failed);
  EXPECT_TRUE(rx->open(pkt));
}

TEST(AhSa, SequenceNumberNeverWraps) {
  crypto::DeterministicRng rng(9);
  auto tx = make_sa(make_config(Transform::ah_hmac_sha256, kSpi, Framing::ip, wire::IpFamily::v4,
                                false, 0xFFFFFFFEull));
  Bytes pkt(tx->sealed_size(8));
  ASSERT_TRUE(tx->seal(pattern(8, 0), 253, pkt, rng));
  EXPECT_EQ(tx->seal(pattern(8, 0), 253, pkt, rng).error(), Errc::seq_exhausted);
  EXPECT_EQ(tx->counters().refused(Errc::seq_exhausted), 1u);
}

// An inbound_only SA (the receiving half of a TVT, which carries no outbound
// state) opens what its peer seals, and refuses to seal, counting the refusal.
TEST(AhSa, InboundOnlyOpensButRefusesToSeal) {
  crypto::DeterministicRng rng(5);
  SaConfig c = make_config(Transform::ah_hmac_sha256, 0x4242, Framing::ip);
  auto tx = make_sa(c);
  c.inbound_only = true;
  auto rx = make_sa(c);
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 100);
  Bytes buf(tx->sealed_size(inner.size()));
  ASSERT_TRUE(tx->seal_inner_packet(inner, buf, rng));
  EXPECT_TRUE(rx->open(buf));
  auto refused = rx->seal_inner_packet(inner, buf, rng);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Errc::invalid_argument);
  EXPECT_EQ(rx->counters().refused(Errc::invalid_argument), 1u);
  EXPECT_EQ(rx->last_sent_seq(), c.initial_seq);  // no sequence number used
}

// An outbound_only SA (the sending half of a TVT, which keeps no replay
// bitmap) seals what its peer opens, and refuses to open, counting the drop;
// an SA cannot be both inbound_only and outbound_only.
TEST(AhSa, OutboundOnlySealsButRefusesToOpen) {
  crypto::DeterministicRng rng(6);
  SaConfig c = make_config(Transform::ah_hmac_sha256, 0x4243, Framing::ip);
  auto rx = make_sa(c);
  c.outbound_only = true;
  auto tx = make_sa(c);
  EXPECT_EQ(tx->replay_window().size(), 0u);  // no bitmap
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 100);
  Bytes buf(tx->sealed_size(inner.size()));
  ASSERT_TRUE(tx->seal_inner_packet(inner, buf, rng));
  Bytes copy = buf;
  EXPECT_TRUE(rx->open(buf));
  auto refused = tx->open(copy);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error(), Errc::invalid_argument);
  EXPECT_EQ(tx->counters().dropped(Errc::invalid_argument), 1u);
  c.inbound_only = true;
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
}

// Packet and byte totals: a one-way SA keeps only its own direction's (the
// other reads 0), a two-way SA both (its inbound ones in a side block made
// with the SA); the totals survive a move.
TEST(AhSa, CountersFollowTheSaDirection) {
  crypto::DeterministicRng rng(7);
  SaConfig c = make_config(Transform::ah_hmac_sha256, 0x4244, Framing::ip);
  auto both = make_sa(c);
  c.outbound_only = true;
  auto tx = make_sa(c);
  c.outbound_only = false;
  c.inbound_only = true;
  auto rx = make_sa(c);
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 100);
  Bytes buf(tx->sealed_size(inner.size()));
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(tx->seal_inner_packet(inner, buf, rng));
    Bytes copy = buf;
    ASSERT_TRUE(rx->open(buf));
    ASSERT_TRUE(both->open(copy));
  }
  ASSERT_TRUE(both->seal_inner_packet(inner, buf, rng));
  const SaCounters t = tx->counters(), r = rx->counters(), b = both->counters();
  EXPECT_EQ(t.packets_out, 3u);
  EXPECT_EQ(t.bytes_out, 3 * inner.size());
  EXPECT_EQ(t.packets_in + t.bytes_in, 0u);
  EXPECT_EQ(r.packets_in, 3u);
  EXPECT_EQ(r.bytes_in, 3 * inner.size());
  EXPECT_EQ(r.packets_out + r.bytes_out, 0u);
  EXPECT_EQ(b.packets_in, 3u);
  EXPECT_EQ(b.bytes_in, 3 * inner.size());
  EXPECT_EQ(b.packets_out, 1u);
  EXPECT_EQ(b.bytes_out, inner.size());
  SecurityAssociation moved = std::move(*rx);
  EXPECT_EQ(moved.counters().packets_in, 3u);
}

}  // namespace
}  // namespace ainet::sa
