// Checks the handshake and onion code against docs/protocol.md formulas
// computed here independently from the crypto primitives, so a wrong label,
// order or IV in src/core would fail even though both ends would agree.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "core/handshake.h"
#include "core/onion.h"
#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/hmac.h"
#include "crypto/kex.h"
#include "crypto/rng.h"

namespace ainet::core {
namespace {

ByteSpan str(const char* s) { return ByteSpan(reinterpret_cast<const uint8_t*>(s), std::strlen(s)); }
Bytes cat(std::initializer_list<ByteSpan> parts) {
  Bytes out;
  for (ByteSpan p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}
Bytes dh(ByteSpan priv, ByteSpan pub) {
  Bytes out(32);
  EXPECT_EQ(crypto::x25519(priv, pub, out), Errc::ok);
  return out;
}
Bytes hkdf(const char* salt, ByteSpan ikm, ByteSpan info, size_t len) {
  Bytes out(len);
  EXPECT_EQ(crypto::hkdf_sha256(str(salt), ikm, info, out), Errc::ok);
  return out;
}
void ctr(ByteSpan key, ByteSpan iv, MutByteSpan data) {
  auto c = crypto::Cipher::create(crypto::CipherAlg::aes256_ctr, key);
  ASSERT_TRUE(c.ok());
  ASSERT_EQ((*c)->encrypt(iv, data, data), Errc::ok);
}

TEST(ProtocolConformance, HandshakeMatchesSpecFormulas) {
  crypto::DeterministicRng rng(99);
  std::vector<crypto::X25519KeyPair> onion;
  std::vector<HopTarget> targets;
  for (int h = 0; h < 2; ++h) {
    onion.push_back(crypto::x25519_generate(rng));
    targets.push_back({onion.back().pub, encode_hop_info(HopInfo{HopKind::relay, 0, 5u + h, 1, 2})});
  }
  EntranceHandshake state;
  std::array<uint8_t, wire::kCreateBlobSize> blob;
  ASSERT_EQ(build_create(targets, rng, state, blob), Errc::ok);
  const EntranceHandshake saved = state;  // x_h, before open_created wipes them

  // Hop 0's slot, opened by hand: ck = HKDF("ainet-create-v1", X25519(x,B), B||X, 64).
  const auto& h0 = saved.hops[0];
  EXPECT_EQ(0, std::memcmp(blob.data(), h0.x_pub.data(), 32));
  const Bytes ck = hkdf("ainet-create-v1", dh(h0.x.span(), onion[0].pub), cat({onion[0].pub, h0.x_pub}), 64);
  auto slot_aead = crypto::Aead::create(crypto::AeadAlg::chacha20_poly1305, ByteSpan(ck).first(32));
  ASSERT_TRUE(slot_aead.ok());
  std::array<uint8_t, 12> zero_nonce{};
  std::array<uint8_t, 64> info;
  ASSERT_EQ((*slot_aead)->open(zero_nonce, {}, ByteSpan(blob).subspan(32, 64),
                               ByteSpan(blob).subspan(96, 16), info),
            Errc::ok);
  EXPECT_EQ(info, targets[0].info);
  // Hop 1's slot is under hop 0's CTR(stream_key, 0^16) layer at offset 112.
  Bytes rest(blob.begin() + 112, blob.end());
  std::array<uint8_t, 16> iv0{};
  ctr(ByteSpan(ck).subspan(32, 32), iv0, rest);
  EXPECT_EQ(0, std::memcmp(rest.data(), saved.hops[1].x_pub.data(), 32));

  // Run the hops and CREATED, then recompute each hop's keys and auth.
  std::vector<CreateProcessed> at(2);
  for (int h = 0; h < 2; ++h) ASSERT_EQ(process_create(onion[h], blob, rng, at[h], blob), Errc::ok);
  std::array<uint8_t, wire::kCreatedBlobSize> created;
  ASSERT_EQ(start_created(at[1].reply, rng, created), Errc::ok);
  // The exit's layer: CTR(stream_key_1, IV 0x01||0^15) over all 512 bytes.
  {
    Bytes peek(created.begin(), created.end());
    std::array<uint8_t, 16> iv_created{0x01};
    ctr(at[1].reply.stream_key.span(), iv_created, peek);
    EXPECT_EQ(0, std::memcmp(peek.data(), at[1].reply.y_pub.data(), 32));
    EXPECT_EQ(0, std::memcmp(peek.data() + 32, at[1].reply.auth.data(), 16));
    EXPECT_EQ(peek[48], 0);
  }
  ASSERT_EQ(wrap_created(at[0].reply, created), Errc::ok);
  std::vector<HopKeys> keys(2);
  ASSERT_EQ(open_created(state, created, keys), Errc::ok);
  for (int h = 0; h < 2; ++h) {
    const auto& hs = saved.hops[h];
    const crypto::PublicKey& y = at[h].reply.y_pub;
    const Bytes okm = hkdf("ainet-hop-v1",
                           cat({dh(hs.x.span(), y), dh(hs.x.span(), onion[h].pub)}),
                           cat({onion[h].pub, hs.x_pub, y}), 224);
    const Secret<32>* fields[] = {&keys[h].fwd_layer, &keys[h].bwd_layer, &keys[h].fwd_prp,
                                  &keys[h].bwd_prp,   &keys[h].auth,      &keys[h].e2e_fwd,
                                  &keys[h].e2e_bwd};
    for (int i = 0; i < 7; ++i)
      EXPECT_EQ(0, std::memcmp(fields[i]->data(), okm.data() + 32 * i, 32)) << h << "/" << i;
    auto mac = crypto::Hmac::create(ByteSpan(okm).subspan(128, 32));
    ASSERT_TRUE(mac.ok());
    std::array<uint8_t, 16> auth;
    ASSERT_EQ((*mac)->compute({str("ainet-created-v1"), onion[h].pub, hs.x_pub, y}, auth), Errc::ok);
    EXPECT_EQ(auth, at[h].reply.auth);
  }
}

class ForwardCellFormula : public ::testing::TestWithParam<E2eAead> {};

TEST_P(ForwardCellFormula, MatchesSpecFormula) {
  const E2eAead alg = GetParam();
  crypto::DeterministicRng rng(5);
  std::vector<HopKeys> route(2);
  for (auto& h : route)
    for (Secret<32>* s : {&h.fwd_layer, &h.bwd_layer, &h.fwd_prp, &h.bwd_prp, &h.auth, &h.e2e_fwd,
                          &h.e2e_bwd}) {
      s->resize(32);
      rng.fill(s->mut_span());
    }
  auto keys = make_route_onion_keys(route, 128, alg);
  ASSERT_TRUE(keys.ok());
  const Bytes dgram = {1, 2, 3, 4, 5};
  Bytes cell(128);
  crypto::DeterministicRng r1(17);
  ASSERT_EQ(wrap_forward(*keys, CellType::data, dgram, r1, cell), Errc::ok);

  // N_0 random; N_1 = AES-256-ECB(fwd_prp_0, N_0);
  // body = AEAD(e2e_fwd_1, N_1[0..12], aad "") (type||len||dgram||0s), the
  // AEAD being AES-256-GCM or ChaCha20-Poly1305 ([ant] e2e_aead)
  // body ^= CTR(fwd_layer_1, N_1); body ^= CTR(fwd_layer_0, N_0).
  crypto::DeterministicRng r2(17);
  std::array<uint8_t, 16> n0, n1;
  r2.fill(n0);
  auto prp = crypto::Cipher::create(crypto::CipherAlg::aes256_ecb, route[0].fwd_prp.span());
  ASSERT_TRUE(prp.ok());
  ASSERT_EQ((*prp)->encrypt({}, n0, n1), Errc::ok);
  Bytes expect(128, 0);
  std::memcpy(expect.data(), n0.data(), 16);
  Bytes inner(128 - 32, 0);
  inner[0] = 0;
  inner[1] = 0;
  inner[2] = 5;
  std::memcpy(inner.data() + 3, dgram.data(), dgram.size());
  auto aead = crypto::Aead::create(alg == E2eAead::aes256_gcm ? crypto::AeadAlg::aes256_gcm
                                                              : crypto::AeadAlg::chacha20_poly1305,
                                   route[1].e2e_fwd.span());
  ASSERT_TRUE(aead.ok());
  ASSERT_EQ((*aead)->seal(ByteSpan(n1).first(12), {}, inner, MutByteSpan(expect).subspan(16, 96),
                          MutByteSpan(expect).subspan(112, 16)),
            Errc::ok);
  ctr(route[1].fwd_layer.span(), n1, MutByteSpan(expect).subspan(16));
  ctr(route[0].fwd_layer.span(), n0, MutByteSpan(expect).subspan(16));
  EXPECT_EQ(cell, expect);
}

INSTANTIATE_TEST_SUITE_P(E2eAeads, ForwardCellFormula,
                         ::testing::Values(E2eAead::aes256_gcm, E2eAead::chacha20_poly1305));

}  // namespace
}  // namespace ainet::core
