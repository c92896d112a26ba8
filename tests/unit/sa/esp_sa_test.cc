// ESP security associations: round trips for every transform and framing,
// tamper rejection, per-reason drop counters, sequence exhaustion.
#include <gtest/gtest.h>

#include "crypto/hmac.h"
#include "crypto/rng.h"
#include "sa/security_association.h"
#include "sa_test_support.h"
#include "wire/constants.h"
#include "wire/ipv4.h"
#include "wire/ipv6.h"

namespace ainet::sa {
namespace {

using test::kEspTransforms;
using test::make_config;
using test::make_inner_packet;
using test::make_sa;
using test::name_of;

constexpr uint32_t kSpi = 0x1234abcd;

Bytes pattern(size_t n, uint8_t seed) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(seed + i * 3);
  return b;
}

struct Pair {
  std::unique_ptr<SecurityAssociation> tx, rx;
};
Pair make_pair(const SaConfig& c) { return {make_sa(c), make_sa(c)}; }

TEST(EspSa, RoundTripEveryTransformFramingAndLength) {
  crypto::DeterministicRng rng(7);
  for (Transform t : kEspTransforms) {
    for (Framing f : {Framing::bare, Framing::udp, Framing::ip}) {
      for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
        for (bool esn : {false, true}) {
          SCOPED_TRACE(name_of(t) + " framing " + std::to_string(int(f)) + " v" +
                       std::to_string(int(fam)) + (esn ? " esn" : ""));
          auto [tx, rx] = make_pair(make_config(t, kSpi, f, fam, esn));
          ASSERT_TRUE(tx && rx);
          for (size_t len = 0; len <= 70; ++len) {
            const Bytes payload = pattern(len, static_cast<uint8_t>(len));
            Bytes out(tx->sealed_size(len));
            auto n = tx->seal(payload, wire::kProtoOnion, out, rng);
            ASSERT_TRUE(n) << to_string(n.error());
            ASSERT_EQ(*n, out.size());
            const size_t outer = f == Framing::ip ? wire::outer_header_len(fam) : 0;
            // RFC 4303 §2.4: the ESP packet ends on a 4-byte boundary.
            EXPECT_EQ((*n - outer) % 4, 0u);
            EXPECT_EQ(load_be32(&out[outer]), kSpi);
            EXPECT_EQ(load_be32(&out[outer + 4]), len + 1);  // first seq is 1
            auto o = rx->open(out);
            ASSERT_TRUE(o) << to_string(o.error()) << " len " << len;
            EXPECT_EQ(o->next_header, wire::kProtoOnion);
            EXPECT_EQ(o->seq, len + 1);
            ASSERT_EQ(Bytes(o->payload.begin(), o->payload.end()), payload);
          }
          EXPECT_EQ(tx->counters().packets_out, 71u);
          EXPECT_EQ(rx->counters().packets_in, 71u);
        }
      }
    }
  }
}

TEST(EspSa, TunnelModeBuildsOuterHeaderAndReturnsInnerPacket) {
  crypto::DeterministicRng rng(1);
  for (auto outer_fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    for (auto inner_fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
      auto c = make_config(Transform::esp_aes256_gcm, kSpi, Framing::ip, outer_fam);
      auto [tx, rx] = make_pair(c);
      // ECN CE (3) and DSCP 46 on the inner: ECN is copied, DSCP is not (default policy).
      const Bytes inner = make_inner_packet(inner_fam, 100, (46 << 2) | 3);
      Bytes out(tx->sealed_size(inner.size()));
      auto n = tx->seal_inner_packet(inner, out, rng);
      ASSERT_TRUE(n) << to_string(n.error());
      auto info = wire::parse_ip_packet(ByteSpan(out).first(*n));
      ASSERT_TRUE(info) << to_string(info.error());
      EXPECT_EQ(info->family, outer_fam);
      EXPECT_EQ(info->protocol, wire::kProtoEsp);
      EXPECT_EQ(info->src, c.local);
      EXPECT_EQ(info->dst, c.remote);
      EXPECT_EQ(info->tos, 3);
      EXPECT_EQ(info->hop_limit, wire::kDefaultHopLimit);
      auto o = rx->open(out);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(o->next_header, wire::tunnel_next_header(inner_fam));
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), inner);
      EXPECT_EQ(o->outer_tos, 3);
    }
  }
}

TEST(EspSa, OuterIpv4IdIsRandomWithAndWithoutDf) {
  crypto::DeterministicRng rng(1);
  auto c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::ip);
  auto tx = make_sa(c);
  Bytes inner = make_inner_packet(wire::IpFamily::v4, 20);  // DF clear: DF copied (RFC 4301 §5.1.2.1)
  Bytes a(tx->sealed_size(inner.size())), b(a.size());
  ASSERT_TRUE(tx->seal_inner_packet(inner, a, rng));
  ASSERT_TRUE(tx->seal_inner_packet(inner, b, rng));
  EXPECT_EQ(a[6] & 0x40, 0);
  EXPECT_NE(load_be16(&a[4]), load_be16(&b[4]));
  // seal() of a non-IP payload sends an atomic datagram: DF set, and the ID
  // is still random (RFC 6864 §4.1 allows any value), so that no 8-byte run
  // of the outer header repeats from one link of an ANT to the next.
  ASSERT_TRUE(tx->seal(Bytes(8, 1), 253, a, rng));
  ASSERT_TRUE(tx->seal(Bytes(8, 1), 253, b, rng));
  EXPECT_EQ(a[6] & 0x40, 0x40);
  EXPECT_EQ(b[6] & 0x40, 0x40);
  EXPECT_NE(load_be16(&a[4]), load_be16(&b[4]));
}

TEST(EspSa, SealInnerPacketRejectsNonIp) {
  crypto::DeterministicRng rng(1);
  auto tx = make_sa(make_config(Transform::esp_aes128_gcm, kSpi, Framing::ip));
  Bytes junk = pattern(40, 0x70);  // version nibble 7
  Bytes out(200);
  EXPECT_EQ(tx->seal_inner_packet(junk, out, rng).error(), Errc::bad_version);
  EXPECT_EQ(tx->counters().refused(Errc::bad_version), 1u);
  EXPECT_EQ(tx->last_sent_seq(), 0u);
}

TEST(EspSa, InPlaceSealFromHeadroom) {
  crypto::DeterministicRng rng(3);
  auto c = make_config(Transform::esp_chacha20_poly1305, kSpi, Framing::ip, wire::IpFamily::v6);
  auto [tx, rx] = make_pair(c);
  const Bytes payload = pattern(300, 9);
  Bytes buf(tx->sealed_size(payload.size()));
  std::copy(payload.begin(), payload.end(), buf.begin() + tx->headroom());
  auto n = tx->seal(ByteSpan(buf).subspan(tx->headroom(), payload.size()), 253, buf, rng);
  ASSERT_TRUE(n);
  auto o = rx->open(buf);
  ASSERT_TRUE(o);
  EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), payload);
}

// Flipping any single bit of a sealed ESP packet must make open() fail.
TEST(EspSa, EverySingleBitFlipIsRejected) {
  crypto::DeterministicRng rng(11);
  for (Transform t : kEspTransforms) {
    for (bool esn : {false, true}) {
      SCOPED_TRACE(name_of(t) + (esn ? " esn" : ""));
      auto [tx, rx] = make_pair(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, esn));
      const Bytes payload = pattern(37, 1);
      Bytes sealed(tx->sealed_size(payload.size()));
      ASSERT_TRUE(tx->seal(payload, 4, sealed, rng));
      size_t rejected = 0;
      for (size_t bit = 0; bit < sealed.size() * 8; ++bit) {
        Bytes pkt = sealed;
        pkt[bit / 8] ^= static_cast<uint8_t>(1u << (bit % 8));
        auto o = rx->open(pkt);
        EXPECT_FALSE(o) << "bit " << bit << " accepted";
        if (!o) ++rejected;
      }
      EXPECT_EQ(rejected, sealed.size() * 8);
      EXPECT_EQ(rx->counters().packets_in, 0u);
      // Forgeries never moved the window: the genuine packet still opens.
      Bytes pkt = sealed;
      auto o = rx->open(pkt);
      ASSERT_TRUE(o) << to_string(o.error());
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), payload);
      // Seq or ICV/ciphertext bit flips are auth failures; SPI flips are unknown_spi.
      EXPECT_EQ(rx->counters().dropped(Errc::unknown_spi), 32u);
      EXPECT_GT(rx->counters().dropped(Errc::auth_failed), 0u);
    }
  }
}

TEST(EspSa, ReplayStaleUnknownSpiTruncatedAreCountedSeparately) {
  crypto::DeterministicRng rng(5);
  auto c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::bare);
  c.replay_window = 64;
  auto [tx, rx] = make_pair(c);
  std::vector<Bytes> sent;
  for (int i = 0; i < 100; ++i) {
    Bytes out(tx->sealed_size(10));
    ASSERT_TRUE(tx->seal(pattern(10, 0), 4, out, rng));
    sent.push_back(out);
  }
  Bytes p = sent[99];
  ASSERT_TRUE(rx->open(p));
  p = sent[99];
  EXPECT_EQ(rx->open(p).error(), Errc::replay);
  p = sent[0];  // seq 1, left of a 64-wide window at 100
  EXPECT_EQ(rx->open(p).error(), Errc::stale);
  p = sent[50];
  ASSERT_TRUE(rx->open(p));  // inside the window: fine
  auto other = make_sa(make_config(Transform::esp_aes128_gcm, kSpi + 1, Framing::bare));
  Bytes q(other->sealed_size(10));
  ASSERT_TRUE(other->seal(pattern(10, 0), 4, q, rng));
  EXPECT_EQ(rx->open(q).error(), Errc::unknown_spi);
  p = sent[60];
  EXPECT_EQ(rx->open(MutByteSpan(p).first(20)).error(), Errc::truncated);
  p = sent[61];
  p.back() ^= 1;
  EXPECT_EQ(rx->open(p).error(), Errc::auth_failed);

  const SaCounters& k = rx->counters();
  EXPECT_EQ(k.dropped(Errc::replay), 1u);
  EXPECT_EQ(k.dropped(Errc::stale), 1u);
  EXPECT_EQ(k.dropped(Errc::unknown_spi), 1u);
  EXPECT_EQ(k.dropped(Errc::truncated), 1u);
  EXPECT_EQ(k.dropped(Errc::auth_failed), 1u);
  EXPECT_EQ(k.packets_in, 2u);
  EXPECT_EQ(k.bytes_in, 20u);
}

TEST(EspSa, CbcLengthNotWholeBlocksIsMalformed) {
  crypto::DeterministicRng rng(5);
  auto [tx, rx] = make_pair(make_config(Transform::esp_aes128_cbc_hmac_sha256, kSpi, Framing::bare));
  Bytes out(tx->sealed_size(30));
  ASSERT_TRUE(tx->seal(pattern(30, 0), 4, out, rng));
  out.push_back(0);  // ciphertext is now 1 byte past a block boundary
  EXPECT_EQ(rx->open(out).error(), Errc::malformed);
  EXPECT_EQ(rx->counters().dropped(Errc::malformed), 1u);
}

// A packet whose ICV is valid but whose padding is not 1, 2, 3, ... is
// dropped after authentication (RFC 4303 §2.4), and counted as bad_padding.
TEST(EspSa, BadPaddingAfterValidIcvIsCounted) {
  crypto::DeterministicRng rng(5);
  const auto c = make_config(Transform::esp_null_hmac_sha256, kSpi, Framing::bare);
  auto [tx, rx] = make_pair(c);
  Bytes out(tx->sealed_size(5));  // 5 + 2 -> 1 pad byte to reach 8
  ASSERT_TRUE(tx->seal(pattern(5, 0), 4, out, rng));
  const size_t icv_at = out.size() - 16;
  ASSERT_EQ(out[icv_at - 2], 1);  // pad length
  ASSERT_EQ(out[icv_at - 3], 1);  // the single pad byte
  out[icv_at - 3] = 9;            // wrong pad content
  auto h = crypto::Hmac::create(c.keymat.span());
  ASSERT_TRUE(h);
  ASSERT_EQ((*h)->compute({ByteSpan(out).first(icv_at)}, MutByteSpan(out).subspan(icv_at)), Errc::ok);
  EXPECT_EQ(rx->open(out).error(), Errc::bad_padding);
  EXPECT_EQ(rx->counters().dropped(Errc::bad_padding), 1u);
  // Pad length larger than the plaintext.
  Bytes out2(tx->sealed_size(5));
  ASSERT_TRUE(tx->seal(pattern(5, 0), 4, out2, rng));
  out2[icv_at - 2] = 200;
  ASSERT_EQ((*h)->compute({ByteSpan(out2).first(icv_at)}, MutByteSpan(out2).subspan(icv_at)), Errc::ok);
  EXPECT_EQ(rx->open(out2).error(), Errc::bad_padding);
  EXPECT_EQ(rx->counters().dropped(Errc::bad_padding), 2u);
}

TEST(EspSa, DummyPacketNextHeader59IsReturnedForTheCallerToDiscard) {
  crypto::DeterministicRng rng(5);
  auto [tx, rx] = make_pair(make_config(Transform::esp_aes256_gcm, kSpi, Framing::udp));
  Bytes out(tx->sealed_size(0));
  ASSERT_TRUE(tx->seal({}, wire::kProtoNoNext, out, rng));
  auto o = rx->open(out);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->next_header, wire::kProtoNoNext);
  EXPECT_TRUE(o->payload.empty());
}

TEST(EspSa, SequenceNumberNeverWrapsWithoutEsn) {
  crypto::DeterministicRng rng(5);
  const uint64_t start = 0xFFFFFFFEull;  // next seq is 2^32 - 1
  auto [tx, rx] = make_pair(make_config(Transform::esp_aes128_gcm, kSpi, Framing::bare,
                                        wire::IpFamily::v4, false, start));
  Bytes out(tx->sealed_size(8));
  ASSERT_TRUE(tx->seal(pattern(8, 0), 4, out, rng));
  EXPECT_EQ(load_be32(&out[4]), 0xFFFFFFFFu);
  EXPECT_TRUE(tx->seq_exhausted());
  Bytes more(tx->sealed_size(8));
  EXPECT_EQ(tx->seal(pattern(8, 0), 4, more, rng).error(), Errc::seq_exhausted);
  EXPECT_EQ(tx->seal(pattern(8, 0), 4, more, rng).error(), Errc::seq_exhausted);
  EXPECT_EQ(tx->counters().refused(Errc::seq_exhausted), 2u);
  EXPECT_EQ(tx->counters().packets_out, 1u);
  EXPECT_EQ(tx->last_sent_seq(), 0xFFFFFFFFull);
  auto o = rx->open(out);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->seq, 0xFFFFFFFFull);
}

TEST(EspSa, SequenceNumberNeverWrapsWithEsn) {
  crypto::DeterministicRng rng(5);
  auto tx = make_sa(make_config(Transform::esp_chacha20_poly1305, kSpi, Framing::bare,
                                wire::IpFamily::v4, true, UINT64_MAX - 1));
  Bytes out(tx->sealed_size(8));
  ASSERT_TRUE(tx->seal(pattern(8, 0), 4, out, rng));
  EXPECT_EQ(tx->seal(pattern(8, 0), 4, out, rng).error(), Errc::seq_exhausted);
  EXPECT_EQ(tx->last_sent_seq(), UINT64_MAX);
}

TEST(EspSa, EsnCrossesTheLowWordBoundary) {
  crypto::DeterministicRng rng(5);
  for (Transform t : kEspTransforms) {
    SCOPED_TRACE(name_of(t));
    auto [tx, rx] = make_pair(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, true,
                                          0xFFFFFFFDull));
    std::vector<Bytes> sent;
    for (int i = 0; i < 5; ++i) {
      Bytes out(tx->sealed_size(12));
      ASSERT_TRUE(tx->seal(pattern(12, 0), 4, out, rng));
      sent.push_back(out);
    }
    EXPECT_EQ(load_be32(&sent[2][4]), 0u);  // only the low 32 bits go on the wire
    // Deliver the post-wrap packets first, then the late pre-wrap ones.
    for (int i : {2, 3, 4, 0, 1}) {
      auto o = rx->open(sent[i]);
      ASSERT_TRUE(o) << i << " " << to_string(o.error());
      EXPECT_EQ(o->seq, 0xFFFFFFFEull + i);
    }
  }
}

TEST(EspSa, EsnHighBitsAreAuthenticated) {
  // A receiver whose window sits in another epoch infers different high bits
  // for the same low bits, and the ICV (covering seq_hi) fails.
  crypto::DeterministicRng rng(5);
  for (Transform t : kEspTransforms) {
    SCOPED_TRACE(name_of(t));
    auto tx = make_sa(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, true, 10));
    auto rx = make_sa(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, true,
                                  (uint64_t{1} << 32) + 5));
    Bytes out(tx->sealed_size(12));
    ASSERT_TRUE(tx->seal(pattern(12, 0), 4, out, rng));
    EXPECT_EQ(rx->open(out).error(), Errc::auth_failed);
  }
}

TEST(EspSa, RefusedSealConsumesNoSequenceNumber) {
  crypto::DeterministicRng rng(5);
  auto tx = make_sa(make_config(Transform::esp_aes256_gcm, kSpi, Framing::ip));
  Bytes small(tx->sealed_size(50) - 1);
  EXPECT_EQ(tx->seal(pattern(50, 0), 4, small, rng).error(), Errc::buffer_too_small);
  EXPECT_EQ(tx->counters().refused(Errc::buffer_too_small), 1u);
  EXPECT_EQ(tx->last_sent_seq(), 0u);
  Bytes big(70000);
  EXPECT_EQ(tx->seal(ByteSpan(big).first(65535), 4, big, rng).error(), Errc::limit);
  EXPECT_EQ(tx->last_sent_seq(), 0u);
}

TEST(EspSa, AeadAndGmacIvIsTheSequenceNumber) {
  crypto::DeterministicRng rng(5);
  for (Transform t : {Transform::esp_aes128_gcm, Transform::esp_chacha20_poly1305,
                      Transform::esp_aes256_gmac}) {
    auto tx = make_sa(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, true, 0x1234567890ull));
    Bytes out(tx->sealed_size(4));
    ASSERT_TRUE(tx->seal(pattern(4, 0), 4, out, rng));
    EXPECT_EQ(load_be64(&out[8]), 0x1234567891ull) << name_of(t);
  }
}

TEST(EspSa, CbcIvComesFromTheInjectedRngAndIsFreshPerPacket) {
  auto c = make_config(Transform::esp_aes256_cbc_hmac_sha256, kSpi, Framing::bare);
  auto a = make_sa(c);
  auto b = make_sa(c);
  crypto::DeterministicRng ra(42), rb(42);
  Bytes pa(a->sealed_size(16)), pb(b->sealed_size(16)), pa2(a->sealed_size(16));
  ASSERT_TRUE(a->seal(pattern(16, 0), 4, pa, ra));
  ASSERT_TRUE(b->seal(pattern(16, 0), 4, pb, rb));
  ASSERT_TRUE(a->seal(pattern(16, 0), 4, pa2, ra));
  EXPECT_EQ(pa, pb);  // same seed, same IV: randomness is injected
  EXPECT_NE(Bytes(pa.begin() + 8, pa.begin() + 24), Bytes(pa2.begin() + 8, pa2.begin() + 24));
}

TEST(EspSa, CreateValidatesConfig) {
  auto c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::bare);
  c.keymat.resize(16);  // salt missing
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
  c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::ip);
  c.remote = *wire::IpAddress::parse("2001:db8::9");  // family mismatch
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
  c = make_config(Transform::ah_hmac_sha256, kSpi, Framing::udp);  // RFC 3948: no AH
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
  c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::bare);
  c.replay_window = 100;
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
  c = make_config(Transform::esp_aes128_gcm, kSpi, Framing::bare, wire::IpFamily::v4, false,
                  uint64_t{1} << 32);
  EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument);
  // The HMAC-SHA-256-128 key is 32 bytes (RFC 4868 §2.1.1): a KEYMAT with a
  // shorter or longer one is refused, a 64-byte one (which the generic
  // crypto::Hmac would take) included, and never truncated.
  for (Transform t : {Transform::esp_null_hmac_sha256, Transform::esp_aes256_cbc_hmac_sha256,
                      Transform::ah_hmac_sha256}) {
    for (size_t auth : {31u, 33u, 64u}) {
      c = make_config(t, kSpi, protocol_of(t) == Protocol::ah ? Framing::ip : Framing::bare);
      ASSERT_TRUE(SecurityAssociation::create(c).ok()) << name_of(t);
      const size_t enc = transform_info(t).keymat_size - transform_info(t).auth_key_size;
      if (enc + auth > kMaxKeymatSize) continue;  // a SaConfig cannot even hold it
      Bytes keymat(enc + auth, 0x5a);
      ASSERT_TRUE(c.keymat.assign(keymat));
      EXPECT_EQ(SecurityAssociation::create(c).error(), Errc::invalid_argument) << name_of(t) << " " << auth;
    }
  }
}

TEST(EspSa, WrongKeyFailsAuthentication) {
  crypto::DeterministicRng rng(5);
  for (Transform t : kEspTransforms) {
    auto tx = make_sa(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, false, 0, 1));
    auto rx = make_sa(make_config(t, kSpi, Framing::bare, wire::IpFamily::v4, false, 0, 2));
    Bytes out(tx->sealed_size(20));
    ASSERT_TRUE(tx->seal(pattern(20, 0), 4, out, rng));
    EXPECT_EQ(rx->open(out).error(), Errc::auth_failed) << name_of(t);
  }
}

}  // namespace
}  // namespace ainet::sa
