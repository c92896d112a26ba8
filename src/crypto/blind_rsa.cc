// RFC 9474 §4: Prepare, Blind, BlindSign, Finalize.
//
// EMSA-PSS-ENCODE (RFC 8017 §9.1.1) and MGF1 (RFC 8017 §B.2.1) are written
// here from EVP SHA-384 calls, because OpenSSL 3 offers PSS encoding with a
// caller-chosen salt only through deprecated RSA_* functions, and Appendix A
// of RFC 9474 needs the salt injected. They are byte shuffling around OpenSSL
// digests, not new primitives, and every signature Finalize releases has
// passed OpenSSL's own RSASSA-PSS verification, which re-checks the encoding.
// All big-number work is OpenSSL's BIGNUM; the private operation is OpenSSL's
// raw RSA.
#include "crypto/blind_rsa.h"

#include <openssl/err.h>
#include <openssl/rsa.h>

#include <array>
#include <climits>
#include <cstring>
#include <initializer_list>

#include "crypto/blind_rsa_detail.h"

namespace ainet::crypto {
namespace {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::PkeyCtxPtr;

constexpr int kMaxBlindDraws = 64;  // r >= n or gcd(r, n) != 1: negligible odds per draw

bool sha384(std::initializer_list<ByteSpan> parts, uint8_t out[kBlindRsaHashSize]) {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  bool ok = md != nullptr && detail::sha384() != nullptr &&
            EVP_DigestInit_ex(md, detail::sha384(), nullptr) == 1;
  for (ByteSpan p : parts) ok = ok && EVP_DigestUpdate(md, p.data(), p.size()) == 1;
  unsigned len = 0;
  ok = ok && EVP_DigestFinal_ex(md, out, &len) == 1 && len == kBlindRsaHashSize;
  EVP_MD_CTX_free(md);
  return ok;
}

// RFC 8017 §B.2.1 MGF1 with SHA-384: out ^= MGF1(seed, out.size()). XOR in
// place because EMSA-PSS-ENCODE only ever uses the mask to mask DB.
bool mgf1_xor(ByteSpan seed, MutByteSpan out) {
  uint8_t block[kBlindRsaHashSize];
  for (uint32_t counter = 0, off = 0; off < out.size(); ++counter) {
    uint8_t c[4];
    store_be32(c, counter);
    if (!sha384({seed, ByteSpan(c, 4)}, block)) return false;
    for (size_t i = 0; i < kBlindRsaHashSize && off < out.size(); ++i, ++off) out[off] ^= block[i];
  }
  secure_zero(block, sizeof block);
  return true;
}

// RFC 8017 §9.1.1 EMSA-PSS-ENCODE(M, emBits) with Hash = MGF hash = SHA-384.
// em.size() must be emLen = ceil(em_bits / 8). The salt is drawn from rng.
Errc emsa_pss_encode(ByteSpan msg, size_t em_bits, size_t s_len, Rng& rng, MutByteSpan em) {
  constexpr size_t h_len = kBlindRsaHashSize;
  const size_t em_len = em.size();
  if (em_len < h_len + s_len + 2) return Errc::invalid_argument;  // step 3: "encoding error"
  uint8_t m_hash[h_len];
  if (!sha384({msg}, m_hash)) return Errc::crypto_error;  // step 2
  std::array<uint8_t, kBlindRsaHashSize> salt{};
  if (s_len > 0) rng.fill(MutByteSpan(salt.data(), s_len));  // step 4
  // Steps 5-6: M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt; H = Hash(M').
  static constexpr uint8_t kZeros[8] = {};
  uint8_t h[h_len];
  if (!sha384({ByteSpan(kZeros, 8), ByteSpan(m_hash, h_len), ByteSpan(salt.data(), s_len)}, h))
    return Errc::crypto_error;
  // Steps 7-8: DB = PS || 0x01 || salt, PS = emLen - sLen - hLen - 2 zeros.
  const size_t db_len = em_len - h_len - 1;
  MutByteSpan db = em.first(db_len);
  std::memset(db.data(), 0, db_len);
  db[db_len - s_len - 1] = 0x01;
  if (s_len > 0) std::memcpy(db.data() + db_len - s_len, salt.data(), s_len);
  // Steps 9-10: maskedDB = DB xor MGF(H, emLen - hLen - 1).
  if (!mgf1_xor(ByteSpan(h, h_len), db)) return Errc::crypto_error;
  // Step 11: clear the leftmost 8*emLen - emBits bits.
  db[0] &= static_cast<uint8_t>(0xff >> (8 * em_len - em_bits));
  // Step 12: EM = maskedDB || H || 0xbc.
  std::memcpy(em.data() + db_len, h, h_len);
  em[em_len - 1] = 0xbc;
  secure_zero(salt.data(), salt.size());
  return Errc::ok;
}

BnPtr bn_from(ByteSpan b) {
  if (b.size() > INT_MAX) return nullptr;
  return BnPtr(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

// r = a * b mod n, through Montgomery multiplication (fixed-size, no
// division: the operands may be secret).
bool mont_mul(BIGNUM* r, const BIGNUM* a, const BIGNUM* b, BN_MONT_CTX* mont, BN_CTX* ctx) {
  BnPtr a_mont(BN_new());
  // mont_mul(a*R, b) = a*b*R*R^-1 = a*b mod n.
  return a_mont && BN_to_montgomery(a_mont.get(), a, mont, ctx) == 1 &&
         BN_mod_mul_montgomery(r, a_mont.get(), b, mont, ctx) == 1;
}

}  // namespace

Bytes BlindRsaClient::prepare(ByteSpan msg, Rng& rng) const {
  // RFC 9474 §4.1: PrepareIdentity returns msg; PrepareRandomize prepends 32 random bytes.
  Bytes out;
  const size_t prefix = is_randomized(v_) ? kBlindRsaPrefixSize : 0;
  out.resize(prefix + msg.size());
  if (prefix) rng.fill(MutByteSpan(out.data(), prefix));
  if (!msg.empty()) std::memcpy(out.data() + prefix, msg.data(), msg.size());
  return out;
}

Errc BlindRsaClient::blind(ByteSpan input_msg, Rng& rng, MutByteSpan blinded_out,
                           BlindInverse& inv_out) const {
  if (!pk_.valid()) return Errc::invalid_argument;
  const detail::RsaPublic& k = *pk_.k_;
  if (blinded_out.size() != k.bytes) return Errc::invalid_argument;
  inv_out.wipe();
  // Step 1: encoded_msg = EMSA-PSS-ENCODE(msg, bit_len(n) - 1) (RFC 8017 §8.1.1: emBits = modBits -
  // 1).
  const size_t em_bits = k.bits - 1;
  std::array<uint8_t, kBlindRsaMaxModulusBytes> em_buf;
  MutByteSpan em(em_buf.data(), (em_bits + 7) / 8);
  if (Errc e = emsa_pss_encode(input_msg, em_bits, salt_length(v_), rng, em); e != Errc::ok)
    return e;
  BnCtxPtr ctx(BN_CTX_secure_new());
  BnPtr m = bn_from(em), r(BN_secure_new()), inv(BN_secure_new()), x(BN_secure_new()), z(BN_new()),
        g(BN_new());
  secure_zero(em_buf.data(), em_buf.size());
  if (!ctx || !m || !r || !inv || !x || !z || !g) return Errc::crypto_error;
  // Steps 3-8: m must be coprime to n ("invalid input"); r uniform in
  // [1, n) by rejection sampling on bit_len(n)-bit strings; inv = r^-1 mod n,
  // drawing again on the "invalid blind" error as §4.2 advises.
  // One inversion does both jobs: w = (m*r)^-1 mod n exists iff m and r are
  // both coprime to n, and then inv = w*m. Its input m*r is uniform whatever
  // m is, so the inversion's timing says nothing of m or r, and it costs one
  // inversion instead of a gcd plus an inversion (about 2.5x faster Blind).
  std::array<uint8_t, kBlindRsaMaxModulusBytes> r_buf;
  MutByteSpan rb(r_buf.data(), k.bytes);
  const unsigned top_bits = static_cast<unsigned>(k.bits % 8);
  bool have = false;
  for (int draw = 0; draw < kMaxBlindDraws && !have; ++draw) {
    rng.fill(rb);
    if (top_bits) rb[0] &= static_cast<uint8_t>((1u << top_bits) - 1);
    if (BN_bin2bn(rb.data(), static_cast<int>(rb.size()), r.get()) == nullptr) break;
    if (BN_is_zero(r.get()) || BN_cmp(r.get(), k.n.get()) >= 0) continue;
    BN_set_flags(r.get(), BN_FLG_CONSTTIME);
    if (!mont_mul(g.get(), m.get(), r.get(), k.mont.get(), ctx.get())) break;
    if (BN_mod_inverse(x.get(), g.get(), k.n.get(), ctx.get()) != nullptr) {
      have = mont_mul(inv.get(), x.get(), m.get(), k.mont.get(), ctx.get());
      break;
    }
    ERR_clear_error();
    // Not invertible: if m shares a factor with n no r will do.
    if (BN_gcd(g.get(), m.get(), k.n.get(), ctx.get()) != 1 || !BN_is_one(g.get())) {
      secure_zero(r_buf.data(), r_buf.size());
      return Errc::invalid_argument;
    }
  }
  secure_zero(r_buf.data(), r_buf.size());
  if (!have) return Errc::crypto_error;
  // Steps 9-10: x = RSAVP1(pk, r) = r^e mod n; z = m * x mod n.
  const bool ok = BN_mod_exp_mont_consttime(x.get(), r.get(), k.e.get(), k.n.get(), ctx.get(),
                                            k.mont.get()) == 1 &&
                  mont_mul(z.get(), m.get(), x.get(), k.mont.get(), ctx.get()) &&
                  BN_bn2binpad(z.get(), blinded_out.data(), static_cast<int>(k.bytes)) ==
                      static_cast<int>(k.bytes);
  std::array<uint8_t, kBlindRsaMaxModulusBytes> inv_buf;
  const bool inv_ok = ok && BN_bn2binpad(inv.get(), inv_buf.data(), static_cast<int>(k.bytes)) ==
                                static_cast<int>(k.bytes);
  if (inv_ok) inv_out.assign(ByteSpan(inv_buf.data(), k.bytes));
  secure_zero(inv_buf.data(), inv_buf.size());
  if (!inv_ok) {
    ERR_clear_error();
    secure_zero(blinded_out.data(), blinded_out.size());
    return Errc::crypto_error;
  }
  return Errc::ok;
}

Errc BlindRsaClient::finalize(ByteSpan input_msg, ByteSpan blind_sig, const BlindInverse& inv,
                              MutByteSpan sig_out) const {
  if (!pk_.valid()) return Errc::invalid_argument;
  const detail::RsaPublic& k = *pk_.k_;
  // Step 1: "unexpected input size".
  if (blind_sig.size() != k.bytes || sig_out.size() != k.bytes || inv.size() != k.bytes)
    return Errc::invalid_argument;
  BnCtxPtr ctx(BN_CTX_secure_new());
  BnPtr z = bn_from(blind_sig), i = bn_from(inv.span()), s(BN_secure_new());
  if (!ctx || !z || !i || !s) return Errc::crypto_error;
  if (BN_cmp(z.get(), k.n.get()) >= 0) return Errc::bad_signature;  // not an RSA output
  BN_set_flags(i.get(), BN_FLG_CONSTTIME);
  // Steps 2-4: s = z * inv mod n; sig = int_to_bytes(s, kLen).
  if (!mont_mul(s.get(), z.get(), i.get(), k.mont.get(), ctx.get()) ||
      BN_bn2binpad(s.get(), sig_out.data(), static_cast<int>(k.bytes)) !=
          static_cast<int>(k.bytes)) {
    ERR_clear_error();
    return Errc::crypto_error;
  }
  // Steps 5-6: release the signature only if RSASSA-PSS-VERIFY accepts it.
  if (pk_.verify(v_, input_msg, sig_out) != Errc::ok) {
    secure_zero(sig_out.data(), sig_out.size());
    return Errc::bad_signature;
  }
  return Errc::ok;
}

Errc BlindRsaSigner::blind_sign(ByteSpan blinded_msg, MutByteSpan out) const {
  if (!sk_.valid()) return Errc::invalid_argument;
  const detail::RsaPublic& k = *sk_.public_key().k_;
  if (out.size() != k.bytes) return Errc::invalid_argument;
  if (blinded_msg.size() != k.bytes) return Errc::malformed;
  BnCtxPtr ctx(BN_CTX_new());
  BnPtr m = bn_from(blinded_msg), check(BN_new()), s;
  if (!ctx || !m || !check) return Errc::crypto_error;
  // Step 1 / RSASP1 (RFC 8017 §5.2.1 step 1): "message representative out of range".
  if (BN_cmp(m.get(), k.n.get()) >= 0) return Errc::malformed;
  // Step 2: s = RSASP1(skS, m) = m^d mod n, by OpenSSL's raw private RSA
  // (RSA_NO_PADDING: no encoding, exactly kLen bytes in and out).
  PkeyCtxPtr pctx(EVP_PKEY_CTX_new_from_pkey(nullptr, sk_.k_->pkey.get(), nullptr));
  size_t len = out.size();
  bool ok =
      pctx && EVP_PKEY_sign_init(pctx.get()) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx.get(), RSA_NO_PADDING) == 1 &&
      EVP_PKEY_sign(pctx.get(), out.data(), &len, blinded_msg.data(), blinded_msg.size()) == 1 &&
      len == k.bytes;
  // Steps 3-4: m' = RSAVP1(pkS, s); a mismatch ("signing failure") would be
  // a fault that could leak the key, so nothing is released.
  if (ok) {
    s = bn_from(ByteSpan(out.data(), k.bytes));
    ok =
        s &&
        BN_mod_exp_mont(check.get(), s.get(), k.e.get(), k.n.get(), ctx.get(), k.mont.get()) == 1 &&
        BN_cmp(check.get(), m.get()) == 0;
  }
  if (!ok) {
    ERR_clear_error();
    secure_zero(out.data(), out.size());
    return Errc::crypto_error;
  }
  return Errc::ok;
}

}  // namespace ainet::crypto
