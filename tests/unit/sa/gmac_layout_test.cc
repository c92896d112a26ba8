// RFC 4543 (AES-GMAC) has no published ESP/AH packet vectors, so the layout
// is checked here against an independent construction: the tag is recomputed
// with crypto::Aead (AES-GCM, empty plaintext) over the authenticated data
// assembled byte by byte as RFC 4543 describes it.
#include <gtest/gtest.h>

#include "crypto/aead.h"
#include "crypto/rng.h"
#include "sa/security_association.h"
#include "sa_test_support.h"

namespace ainet::sa {
namespace {

using test::make_config;
using test::make_sa;

Bytes tag_by_aes_gcm(ByteSpan key, ByteSpan salt, ByteSpan iv, const Bytes& aad) {
  auto aead = crypto::Aead::create(key.size() == 16 ? crypto::AeadAlg::aes128_gcm
                                                    : crypto::AeadAlg::aes256_gcm,
                                   key);
  EXPECT_TRUE(aead);
  Bytes nonce(salt.begin(), salt.end());
  nonce.insert(nonce.end(), iv.begin(), iv.end());
  Bytes tag(16);
  uint8_t none[1];
  EXPECT_EQ((*aead)->seal(nonce, aad, ByteSpan(), MutByteSpan(none, 0), tag), Errc::ok);
  return tag;
}

TEST(GmacLayout, EspAadIsSpiSeqIvAndWholePlaintext) {
  crypto::DeterministicRng rng(4);
  for (Transform t : {Transform::esp_aes128_gmac, Transform::esp_aes256_gmac}) {
    for (bool esn : {false, true}) {
      const auto c = make_config(t, 0x4543, Framing::bare, wire::IpFamily::v4, esn,
                                 esn ? 0x2FFFFFFFFull : 1000);
      auto tx = make_sa(c);
      const Bytes payload{1, 2, 3, 4, 5, 6, 7};
      Bytes pkt(tx->sealed_size(payload.size()));
      ASSERT_TRUE(tx->seal(payload, 17, pkt, rng));
      const uint64_t seq = tx->last_sent_seq();
      const size_t key_len = transform_info(t).enc_key_size;
      const ByteSpan keymat = c.keymat.span();
      // RFC 4543 §3.1: IV is carried after SPI/seq; nothing is encrypted (§3).
      const ByteSpan iv = ByteSpan(pkt).subspan(8, 8);
      // RFC 4543 §3.3 AAD: SPI || (ESN: seq_hi ||) seq_lo || IV || payload | pad | trailer.
      Bytes aad(pkt.begin(), pkt.begin() + 4);
      if (esn) {
        uint8_t hi[4];
        store_be32(hi, static_cast<uint32_t>(seq >> 32));
        aad.insert(aad.end(), hi, hi + 4);
      }
      aad.insert(aad.end(), pkt.begin() + 4, pkt.end() - 16);
      // The plaintext is visible: payload then padding 1,2,.. then trailer.
      EXPECT_EQ(Bytes(pkt.begin() + 16, pkt.begin() + 23), payload);
      EXPECT_EQ(pkt[pkt.size() - 17], 17);
      const Bytes tag = tag_by_aes_gcm(keymat.first(key_len), keymat.subspan(key_len, 4), iv, aad);
      EXPECT_EQ(Bytes(pkt.end() - 16, pkt.end()), tag) << test::name_of(t) << (esn ? " esn" : "");
    }
  }
}

TEST(GmacLayout, AhAadIsZeroedPacketWithIvAndZeroTag) {
  crypto::DeterministicRng rng(4);
  for (auto fam : {wire::IpFamily::v4, wire::IpFamily::v6}) {
    for (bool esn : {false, true}) {
      const auto c = make_config(Transform::ah_aes128_gmac, 0x4543, Framing::ip, fam, esn,
                                 esn ? 0x1FFFFFFFFull : 77);
      auto tx = make_sa(c);
      const Bytes payload(33, 0x5a);
      Bytes pkt(tx->sealed_size(payload.size()));
      ASSERT_TRUE(tx->seal(payload, 253, pkt, rng));
      const uint64_t seq = tx->last_sent_seq();
      const size_t hdr = wire::outer_header_len(fam);
      // RFC 4302 §3.3.3.1: mutable header fields zeroed.
      Bytes aad = pkt;
      if (fam == wire::IpFamily::v4) {
        for (size_t i : {1, 6, 7, 8, 10, 11}) aad[i] = 0;
      } else {
        aad[0] &= 0xf0;
        for (size_t i : {1, 2, 3, 7}) aad[i] = 0;
      }
      // RFC 4543 §4: Authentication Data = IV(8) || tag(16) [|| pad]; the tag is zeroed.
      const ByteSpan iv = ByteSpan(pkt).subspan(hdr + 12, 8);
      EXPECT_EQ(load_be64(iv.data()), seq);
      std::fill(aad.begin() + hdr + 20, aad.begin() + hdr + 36, 0);
      if (esn) {  // RFC 4302 §3.3.3.2.1: seq_hi appended after the packet
        uint8_t hi[4];
        store_be32(hi, static_cast<uint32_t>(seq >> 32));
        aad.insert(aad.end(), hi, hi + 4);
      }
      const Bytes tag = tag_by_aes_gcm(c.keymat.span().first(16), c.keymat.span().subspan(16, 4), iv, aad);
      EXPECT_EQ(Bytes(pkt.begin() + hdr + 20, pkt.begin() + hdr + 36), tag)
          << (fam == wire::IpFamily::v4 ? "v4" : "v6") << (esn ? " esn" : "");
    }
  }
}

}  // namespace
}  // namespace ainet::sa
