// RSA keys for RFC 9474 blind signatures: loading (SPKI DER, PEM, raw
// components), generation, serialisation, and RSASSA-PSS-VERIFY. All through
// OpenSSL 3's EVP_PKEY and OSSL_PARAM interfaces (no deprecated RSA_* calls).
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <climits>
#include <cstring>

#include "crypto/blind_rsa.h"
#include "crypto/blind_rsa_detail.h"

namespace ainet::crypto {
namespace detail {

const EVP_MD* sha384() {
  // Fetched once: an implicit fetch per call (EVP_sha384()) costs a lookup
  // in the provider store on every digest.
  static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA384", nullptr);
  return md;
}

}  // namespace detail

namespace {

using detail::BnCtxPtr;
using detail::BnPtr;
using detail::PkeyCtxPtr;
using detail::PkeyPtr;

template <typename T>
T fail(Errc e) {
  ERR_clear_error();  // the Errc is the report; leave no stale queue entries
  return T(e);
}

BnPtr bn_from(ByteSpan b) {
  if (b.size() > INT_MAX) return nullptr;
  return BnPtr(BN_bin2bn(b.data(), static_cast<int>(b.size()), nullptr));
}

// Wraps an RSA EVP_PKEY (public or private) as the public half used by
// verify and the blinding arithmetic. Takes ownership of pk.
Result<std::shared_ptr<const detail::RsaPublic>> make_public(PkeyPtr pk) {
  if (!pk || !EVP_PKEY_is_a(pk.get(), "RSA"))
    return fail<Result<std::shared_ptr<const detail::RsaPublic>>>(Errc::malformed);
  auto k = std::make_shared<detail::RsaPublic>();
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  const bool got = EVP_PKEY_get_bn_param(pk.get(), OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                   EVP_PKEY_get_bn_param(pk.get(), OSSL_PKEY_PARAM_RSA_E, &e) == 1;
  k->n.reset(n);
  k->e.reset(e);
  if (!got) return fail<Result<std::shared_ptr<const detail::RsaPublic>>>(Errc::malformed);
  k->bits = static_cast<size_t>(BN_num_bits(k->n.get()));
  k->bytes = (k->bits + 7) / 8;
  // RFC 9474 §7: 2048 bits at least; 4096 is the largest Appendix A uses.
  // e must be odd and > 1 (RFC 8017 §3.1).
  if (k->bits < kBlindRsaMinModulusBits || k->bits > kBlindRsaMaxModulusBits ||
      !BN_is_odd(k->e.get()) || BN_is_one(k->e.get()) || BN_cmp(k->e.get(), k->n.get()) >= 0)
    return fail<Result<std::shared_ptr<const detail::RsaPublic>>>(Errc::malformed);
  BnCtxPtr ctx(BN_CTX_new());
  k->mont.reset(BN_MONT_CTX_new());
  if (!ctx || !k->mont || BN_MONT_CTX_set(k->mont.get(), k->n.get(), ctx.get()) != 1)
    return fail<Result<std::shared_ptr<const detail::RsaPublic>>>(Errc::crypto_error);
  k->pkey = std::move(pk);
  return std::shared_ptr<const detail::RsaPublic>(std::move(k));
}

// EVP_PKEY from OSSL_PARAMs built by `push` (selection: public key or key pair).
template <typename F>
PkeyPtr pkey_from_params(int selection, F&& push) {
  OSSL_PARAM_BLD* bld = OSSL_PARAM_BLD_new();
  if (bld == nullptr) return nullptr;
  OSSL_PARAM* params = nullptr;
  EVP_PKEY* pk = nullptr;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (push(bld) && (params = OSSL_PARAM_BLD_to_param(bld)) != nullptr && ctx &&
      EVP_PKEY_fromdata_init(ctx.get()) == 1)
    EVP_PKEY_fromdata(ctx.get(), &pk, selection, params);
  OSSL_PARAM_free(params);  // OSSL_PARAM_clear_free is 3.2+; BLD copies are freed here
  OSSL_PARAM_BLD_free(bld);
  return PkeyPtr(pk);
}

int no_passphrase(char*, int, int, void*) {
  return 0;
}  // encrypted PEM is refused

}  // namespace

size_t BlindRsaPublicKey::modulus_bits() const {
  return k_ ? k_->bits : 0;
}
size_t BlindRsaPublicKey::modulus_bytes() const {
  return k_ ? k_->bytes : 0;
}

uint64_t BlindRsaPublicKey::public_exponent() const {
  if (!k_ || BN_num_bytes(k_->e.get()) > 8) return 0;
  uint8_t b[8] = {};
  BN_bn2binpad(k_->e.get(), b, 8);
  return load_be64(b);
}

bool BlindRsaPublicKey::same_key(const BlindRsaPublicKey& o) const {
  if (!k_ || !o.k_) return k_ == o.k_;
  return BN_cmp(k_->n.get(), o.k_->n.get()) == 0 && BN_cmp(k_->e.get(), o.k_->e.get()) == 0;
}

Result<BlindRsaPublicKey> BlindRsaPublicKey::from_spki_der(ByteSpan der) {
  if (der.empty() || der.size() > 4096) return Errc::malformed;
  const unsigned char* p = der.data();
  PkeyPtr pk(d2i_PUBKEY(nullptr, &p, static_cast<long>(der.size())));
  if (!pk || p != der.data() + der.size()) return fail<Result<BlindRsaPublicKey>>(Errc::malformed);
  // One spelling per key: re-encoding must give the same bytes (DER is
  // canonical; BER leniency in the decoder must not let two strings name
  // one key in the signed directory).
  unsigned char* re = nullptr;
  const int re_len = i2d_PUBKEY(pk.get(), &re);
  const bool canonical = re_len > 0 && static_cast<size_t>(re_len) == der.size() &&
                         std::memcmp(re, der.data(), der.size()) == 0;
  OPENSSL_free(re);
  if (!canonical) return fail<Result<BlindRsaPublicKey>>(Errc::malformed);
  auto k = make_public(std::move(pk));
  if (!k) return k.error();
  BlindRsaPublicKey out;
  out.k_ = std::move(*k);
  return out;
}

Result<BlindRsaPublicKey> BlindRsaPublicKey::from_components(ByteSpan n_bytes, ByteSpan e_bytes) {
  BnPtr n = bn_from(n_bytes), e = bn_from(e_bytes);
  if (!n || !e) return fail<Result<BlindRsaPublicKey>>(Errc::invalid_argument);
  PkeyPtr pk = pkey_from_params(EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  });
  auto k = make_public(std::move(pk));
  if (!k) return k.error();
  BlindRsaPublicKey out;
  out.k_ = std::move(*k);
  return out;
}

Result<Bytes> BlindRsaPublicKey::spki_der() const {
  if (!k_) return Errc::invalid_argument;
  // i2d_PUBKEY writes only the public half, also for a key pair.
  unsigned char* der = nullptr;
  const int len = i2d_PUBKEY(k_->pkey.get(), &der);
  if (len <= 0) return fail<Result<Bytes>>(Errc::crypto_error);
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Errc BlindRsaPublicKey::verify(BlindRsaVariant v, ByteSpan input_msg, ByteSpan sig) const {
  if (!k_) return Errc::invalid_argument;
  if (sig.size() != k_->bytes) return Errc::bad_signature;
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;  // owned by md
  // RFC 9474 §4.5 / RFC 8017 §8.1.2: RSASSA-PSS-VERIFY with Hash = MGF1 hash
  // = SHA-384 and the variant's exact sLen (48 or 0; never "auto").
  const bool ok =
      md != nullptr && detail::sha384() != nullptr &&
      EVP_DigestVerifyInit(md, &pctx, detail::sha384(), nullptr, k_->pkey.get()) == 1 &&
      EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
      EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, detail::sha384()) == 1 &&
      EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, static_cast<int>(salt_length(v))) == 1 &&
      EVP_DigestVerify(md, sig.data(), sig.size(), input_msg.data(), input_msg.size()) == 1;
  EVP_MD_CTX_free(md);
  if (!ok) ERR_clear_error();
  return ok ? Errc::ok : Errc::bad_signature;
}

// One place that turns an owned RSA key pair into the shared private key
// and its public half (which takes its own reference to the same object).
Result<BlindRsaPrivateKey> BlindRsaPrivateKey::adopt(std::shared_ptr<detail::RsaPrivate> priv) {
  PkeyPtr pub_ref(priv->pkey.get());
  EVP_PKEY_up_ref(priv->pkey.get());
  auto pub = make_public(std::move(pub_ref));
  if (!pub) return pub.error();
  BlindRsaPrivateKey out;
  out.k_ = std::move(priv);
  out.pub_.k_ = std::move(*pub);
  return out;
}

Result<BlindRsaPrivateKey> BlindRsaPrivateKey::generate(size_t modulus_bits) {
  if (modulus_bits < kBlindRsaMinModulusBits || modulus_bits > kBlindRsaMaxModulusBits)
    return Errc::invalid_argument;
  // e = 65537 is OpenSSL's default for RSA key generation.
  PkeyPtr pk(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", modulus_bits));
  if (!pk) return fail<Result<BlindRsaPrivateKey>>(Errc::crypto_error);
  auto priv = std::make_shared<detail::RsaPrivate>();
  priv->pkey = std::move(pk);
  return adopt(std::move(priv));
}

Result<BlindRsaPrivateKey> BlindRsaPrivateKey::from_pem(std::string_view pem) {
  if (pem.empty() || pem.size() > 64 * 1024) return Errc::malformed;
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return fail<Result<BlindRsaPrivateKey>>(Errc::crypto_error);
  PkeyPtr pk(PEM_read_bio_PrivateKey(bio, nullptr, no_passphrase, nullptr));
  BIO_free(bio);
  if (!pk || !EVP_PKEY_is_a(pk.get(), "RSA"))
    return fail<Result<BlindRsaPrivateKey>>(Errc::malformed);
  // The private and public halves must belong together (a damaged key file
  // would otherwise sign garbage that every hop refuses).
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, pk.get(), nullptr));
  if (!check || EVP_PKEY_pairwise_check(check.get()) != 1)
    return fail<Result<BlindRsaPrivateKey>>(Errc::malformed);
  auto priv = std::make_shared<detail::RsaPrivate>();
  priv->pkey = std::move(pk);
  return adopt(std::move(priv));
}

Result<BlindRsaPrivateKey> BlindRsaPrivateKey::from_components(ByteSpan n_b, ByteSpan e_b,
                                                               ByteSpan d_b, ByteSpan p_b,
                                                               ByteSpan q_b) {
  BnPtr n = bn_from(n_b), e = bn_from(e_b), d = bn_from(d_b), p = bn_from(p_b), q = bn_from(q_b);
  BnPtr dp(BN_secure_new()), dq(BN_secure_new()), qinv(BN_secure_new()), t(BN_new());
  BnCtxPtr ctx(BN_CTX_secure_new());
  if (!n || !e || !d || !p || !q || !dp || !dq || !qinv || !t || !ctx)
    return fail<Result<BlindRsaPrivateKey>>(Errc::invalid_argument);
  // n must be p*q; CRT values dP = d mod (p-1), dQ = d mod (q-1),
  // qInv = q^-1 mod p (RFC 8017 §3.2).
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  BN_set_flags(p.get(), BN_FLG_CONSTTIME);
  BN_set_flags(q.get(), BN_FLG_CONSTTIME);
  bool ok = BN_mul(t.get(), p.get(), q.get(), ctx.get()) == 1 && BN_cmp(t.get(), n.get()) == 0;
  ok = ok && BN_sub(t.get(), p.get(), BN_value_one()) == 1 &&
       BN_mod(dp.get(), d.get(), t.get(), ctx.get()) == 1 &&
       BN_sub(t.get(), q.get(), BN_value_one()) == 1 &&
       BN_mod(dq.get(), d.get(), t.get(), ctx.get()) == 1 &&
       BN_mod_inverse(qinv.get(), q.get(), p.get(), ctx.get()) != nullptr;
  if (!ok) return fail<Result<BlindRsaPrivateKey>>(Errc::invalid_argument);
  PkeyPtr pk = pkey_from_params(EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, d.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, dp.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, dq.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, qinv.get()) == 1;
  });
  if (!pk) return fail<Result<BlindRsaPrivateKey>>(Errc::invalid_argument);
  auto priv = std::make_shared<detail::RsaPrivate>();
  priv->pkey = std::move(pk);
  return adopt(std::move(priv));
}

Result<std::string> BlindRsaPrivateKey::to_pem() const {
  if (!k_) return Errc::invalid_argument;
  BIO* bio = BIO_new(BIO_s_secmem());
  if (bio == nullptr) return fail<Result<std::string>>(Errc::crypto_error);
  std::string out;
  if (PEM_write_bio_PrivateKey(bio, k_->pkey.get(), nullptr, nullptr, 0, nullptr, nullptr) == 1) {
    char* data = nullptr;
    const long len = BIO_get_mem_data(bio, &data);
    if (len > 0) out.assign(data, static_cast<size_t>(len));
  }
  BIO_free(bio);
  if (out.empty()) return fail<Result<std::string>>(Errc::crypto_error);
  return out;
}

}  // namespace ainet::crypto
