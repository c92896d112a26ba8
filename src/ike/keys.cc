#include "ike/keys.h"

#include <openssl/crypto.h>

#include <algorithm>
#include <cstring>

#include "crypto/hmac.h"
#include "crypto/hmac_once.h"

namespace ainet::ike {
namespace {

void put_spi(uint8_t* p, uint64_t spi) {
  store_be64(p, spi);
}

// Splits prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) into the seven keys (§2.14).
Result<IkeSaKeys> expand_ike_keys(ByteSpan skeyseed, ByteSpan ni, ByteSpan nr, uint64_t spi_i,
                                  uint64_t spi_r, size_t aes_key_len) {
  if (aes_key_len != 16 && aes_key_len != 32) return Errc::invalid_argument;
  Bytes seed;
  seed.reserve(ni.size() + nr.size() + 16);
  seed.insert(seed.end(), ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  uint8_t spis[16];
  put_spi(spis, spi_i);
  put_spi(spis + 8, spi_r);
  seed.insert(seed.end(), spis, spis + 16);

  const size_t enc = aes_key_len + kSkSaltLen;
  // SK_d, SK_ai (0), SK_ar (0), SK_ei, SK_er, SK_pi, SK_pr.
  const size_t total = kPrfLen + 2 * enc + 2 * kPrfLen;
  uint8_t km[kPrfLen * 3 + 2 * kMaxSkEncLen];
  if (Status s = prf_plus(skeyseed, seed, MutByteSpan(km, total)); !ok(s)) return s;
  IkeSaKeys k;
  size_t at = 0;
  auto take = [&](auto& secret, size_t n) {
    secret.assign(ByteSpan(km + at, n));
    at += n;
  };
  take(k.sk_d, kPrfLen);
  take(k.sk_ei, enc);
  take(k.sk_er, enc);
  take(k.sk_pi, kPrfLen);
  take(k.sk_pr, kPrfLen);
  OPENSSL_cleanse(km, sizeof km);
  return k;
}

}  // namespace

Status prf(ByteSpan key, std::initializer_list<ByteSpan> data, MutByteSpan out32) {
  if (out32.size() != kPrfLen) return Errc::invalid_argument;
  return crypto::hmac_once(crypto::MacDigest::sha256, key, data, out32);
}

Status prf_plus(ByteSpan key, ByteSpan seed, MutByteSpan out) {
  // §2.13: the counter is one octet starting at 0x01, so at most 255 blocks.
  if (out.size() > 255 * kPrfLen) return Errc::invalid_argument;
  auto h = crypto::Hmac::create(key);
  if (!h) return h.error();
  uint8_t t[kPrfLen];
  size_t t_len = 0;  // T0 is empty
  size_t done = 0;
  for (unsigned n = 1; done < out.size(); ++n) {
    const uint8_t counter = static_cast<uint8_t>(n);
    if (Status s = h.value()->compute({ByteSpan(t, t_len), seed, ByteSpan(&counter, 1)},
                                      MutByteSpan(t, kPrfLen));
        !ok(s)) {
      OPENSSL_cleanse(t, sizeof t);
      return s;
    }
    t_len = kPrfLen;
    const size_t n_copy = std::min(kPrfLen, out.size() - done);
    std::memcpy(out.data() + done, t, n_copy);
    done += n_copy;
  }
  OPENSSL_cleanse(t, sizeof t);
  return Errc::ok;
}

Result<IkeSaKeys> derive_ike_sa_keys(ByteSpan ni, ByteSpan nr, ByteSpan shared_secret,
                                     uint64_t spi_i, uint64_t spi_r, size_t aes_key_len) {
  // §2.14: with PRF_HMAC the key is the whole Ni | Nr (no truncation: the
  // half-from-each-nonce rule is only for fixed-key-size PRFs).
  Bytes nonces(ni.begin(), ni.end());
  nonces.insert(nonces.end(), nr.begin(), nr.end());
  uint8_t skeyseed[kPrfLen];
  if (Status s = prf(nonces, {shared_secret}, skeyseed); !ok(s)) return s;
  auto k = expand_ike_keys(skeyseed, ni, nr, spi_i, spi_r, aes_key_len);
  OPENSSL_cleanse(skeyseed, sizeof skeyseed);
  return k;
}

Result<IkeSaKeys> derive_rekeyed_ike_sa_keys(ByteSpan old_sk_d, ByteSpan shared_secret, ByteSpan ni,
                                             ByteSpan nr, uint64_t spi_i, uint64_t spi_r,
                                             size_t aes_key_len) {
  uint8_t skeyseed[kPrfLen];
  if (Status s = prf(old_sk_d, {shared_secret, ni, nr}, skeyseed); !ok(s)) return s;
  auto k = expand_ike_keys(skeyseed, ni, nr, spi_i, spi_r, aes_key_len);
  OPENSSL_cleanse(skeyseed, sizeof skeyseed);
  return k;
}

Result<ChildSaKeys> derive_child_sa_keys(ByteSpan sk_d, ByteSpan shared_secret_or_empty,
                                         ByteSpan ni, ByteSpan nr, size_t per_direction) {
  if (per_direction == 0 || per_direction > kMaxChildKeymat) return Errc::invalid_argument;
  Bytes seed(shared_secret_or_empty.begin(), shared_secret_or_empty.end());
  seed.insert(seed.end(), ni.begin(), ni.end());
  seed.insert(seed.end(), nr.begin(), nr.end());
  uint8_t km[2 * kMaxChildKeymat + kChildExtraLen];
  if (Status s = prf_plus(sk_d, seed, MutByteSpan(km, 2 * per_direction + kChildExtraLen)); !ok(s))
    return s;
  OPENSSL_cleanse(seed.data(), seed.size());
  ChildSaKeys k;
  k.i_to_r.assign(ByteSpan(km, per_direction));
  k.r_to_i.assign(ByteSpan(km + per_direction, per_direction));
  k.extra.assign(ByteSpan(km + 2 * per_direction, kChildExtraLen));
  OPENSSL_cleanse(km, sizeof km);
  return k;
}

}  // namespace ainet::ike
