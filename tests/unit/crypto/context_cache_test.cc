// The per-thread context cache (src/crypto/context_cache.h) behind Cipher,
// Aead, Gmac and Hmac: many more live objects than cache ways, used in an
// order that forces evictions and re-keying, must give exactly the results
// each object gives on its own, and a destroyed object's way must be reusable.
#include "crypto/context_cache.h"

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/gmac.h"
#include "crypto/hmac.h"
#include "crypto/rng.h"

namespace ainet::crypto {
namespace {

// More objects than the 64 x 4 ways of one table, so every set overflows.
constexpr size_t kObjects = 600;

Bytes key_for(size_t i, size_t n) {
  Bytes k(n);
  DeterministicRng(1000 + i).fill(k);
  return k;
}

TEST(ContextCache, IdsAreUniqueAndNonZero) {
  const uint64_t a = detail::new_key_id(), b = detail::new_key_id();
  EXPECT_NE(a, 0u);
  EXPECT_NE(a, b);
}

// Each object's output, computed right after creation (its context keyed
// fresh), must be what it gives later after hundreds of other objects have
// evicted and re-keyed its way, in two different orders.
TEST(ContextCache, CipherResultsSurviveEviction) {
  for (CipherAlg alg : {CipherAlg::aes256_ctr, CipherAlg::aes256_ecb, CipherAlg::aes128_cbc}) {
    std::vector<std::unique_ptr<Cipher>> objs;
    std::vector<Bytes> first;
    Bytes iv(cipher_iv_size(alg), 7), pt(64, 0x5a);
    for (size_t i = 0; i < kObjects; ++i) {
      auto c = Cipher::create(alg, key_for(i, cipher_key_size(alg)));
      ASSERT_TRUE(c.ok());
      Bytes ct(pt.size());
      ASSERT_EQ(c.value()->encrypt(iv, pt, ct), Errc::ok);
      first.push_back(ct);
      objs.push_back(std::move(c.value()));
    }
    // Different keys give different output (no object used another's key).
    EXPECT_NE(first[0], first[1]);
    for (size_t pass = 0; pass < 2; ++pass) {
      for (size_t j = 0; j < kObjects; ++j) {
        const size_t i = pass == 0 ? j : kObjects - 1 - j;
        Bytes ct(pt.size()), back(pt.size());
        ASSERT_EQ(objs[i]->encrypt(iv, pt, ct), Errc::ok);
        ASSERT_EQ(ct, first[i]) << "object " << i << " pass " << pass;
        ASSERT_EQ(objs[i]->decrypt(iv, ct, back), Errc::ok);
        ASSERT_EQ(back, pt) << "object " << i;
      }
    }
  }
}

TEST(ContextCache, AeadGmacHmacSurviveEviction) {
  std::vector<std::unique_ptr<Aead>> aeads;
  std::vector<std::unique_ptr<Gmac>> gmacs;
  std::vector<std::unique_ptr<Hmac>> hmacs;
  std::vector<Bytes> aead_tags, gmac_tags, macs;
  Bytes nonce(12, 1), aad(8, 2), pt(100, 3);
  for (size_t i = 0; i < kObjects; ++i) {
    auto a = Aead::create(AeadAlg::aes256_gcm, key_for(i, 32));
    auto g = Gmac::create(key_for(i, 16));
    auto h = Hmac::create(key_for(i, 32));
    ASSERT_TRUE(a.ok() && g.ok() && h.ok());
    Bytes ct(pt.size()), tag(16), gt(16), mac(16);
    ASSERT_EQ(a.value()->seal(nonce, aad, pt, ct, tag), Errc::ok);
    ASSERT_EQ(g.value()->compute(nonce, {aad, pt}, gt), Errc::ok);
    ASSERT_EQ(h.value()->compute({aad, pt}, mac), Errc::ok);
    aead_tags.push_back(tag);
    gmac_tags.push_back(gt);
    macs.push_back(mac);
    aeads.push_back(std::move(a.value()));
    gmacs.push_back(std::move(g.value()));
    hmacs.push_back(std::move(h.value()));
  }
  for (size_t j = 0; j < kObjects; ++j) {
    const size_t i = kObjects - 1 - j;
    Bytes ct(pt.size()), tag(16), back(pt.size());
    ASSERT_EQ(aeads[i]->seal(nonce, aad, pt, ct, tag), Errc::ok);
    ASSERT_EQ(tag, aead_tags[i]) << i;
    ASSERT_EQ(aeads[i]->open(nonce, aad, ct, tag, back), Errc::ok);
    ASSERT_EQ(back, pt);
    // Another object's tag must not verify (it has another key).
    ASSERT_EQ(aeads[i]->open(nonce, aad, ct, aead_tags[(i + 1) % kObjects], back),
              Errc::auth_failed);
    ASSERT_EQ(gmacs[i]->verify(nonce, {aad, pt}, gmac_tags[i]), Errc::ok) << i;
    ASSERT_EQ(hmacs[i]->verify({aad, pt}, macs[i]), Errc::ok) << i;
    ASSERT_EQ(hmacs[i]->verify({aad, pt}, macs[(i + 1) % kObjects]), Errc::auth_failed);
  }
}

// Destroying objects (which wipes their ways) and creating new ones in their
// place keeps every survivor and newcomer correct.
TEST(ContextCache, DestroyAndReplace) {
  Bytes nonce(12, 4), aad(4, 5), pt(40, 6);
  std::vector<std::unique_ptr<Aead>> objs(64);
  std::vector<Bytes> tags(64);
  for (size_t round = 0; round < 3; ++round) {
    for (size_t i = round % 2; i < objs.size(); i += 2) {
      objs[i].reset();  // forget first, then a new key in its place
      auto a = Aead::create(AeadAlg::chacha20_poly1305, key_for(round * 100 + i, 32));
      ASSERT_TRUE(a.ok());
      objs[i] = std::move(a.value());
      Bytes ct(pt.size());
      tags[i].assign(16, 0);
      ASSERT_EQ(objs[i]->seal(nonce, aad, pt, ct, tags[i]), Errc::ok);
    }
    for (size_t i = 0; i < objs.size(); ++i) {
      if (!objs[i]) continue;
      Bytes ct(pt.size()), tag(16);
      ASSERT_EQ(objs[i]->seal(nonce, aad, pt, ct, tag), Errc::ok);
      ASSERT_EQ(tag, tags[i]) << "round " << round << " object " << i;
    }
  }
}

}  // namespace
}  // namespace ainet::crypto
