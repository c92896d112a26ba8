#include "crypto_floor.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <time.h>

#include <array>
#include <cstdint>

namespace ainet::tools {
namespace {

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

template <typename F>
double time_us(int iterations, F&& f) {
  bool ok = true;
  const double t0 = cpu_seconds();
  for (int i = 0; i < iterations; ++i) ok = f() && ok;
  const double t1 = cpu_seconds();
  return ok ? (t1 - t0) * 1e6 / iterations : -1;
}

bool time_x25519(int iterations, double& us) {
  std::array<uint8_t, 32> a{}, b{}, out{};
  if (RAND_bytes(a.data(), 32) != 1 || RAND_bytes(b.data(), 32) != 1) return false;
  EVP_PKEY* ka = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, a.data(), 32);
  EVP_PKEY* kb = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, b.data(), 32);
  EVP_PKEY_CTX* ctx = ka ? EVP_PKEY_CTX_new_from_pkey(nullptr, ka, nullptr) : nullptr;
  bool ok = kb && ctx && EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, kb) == 1;
  if (ok) {
    us = time_us(iterations, [&] {
      size_t len = out.size();
      return EVP_PKEY_derive(ctx, out.data(), &len) == 1;
    });
    ok = us > 0;
  }
  EVP_PKEY_CTX_free(ctx);
  EVP_PKEY_free(ka);
  EVP_PKEY_free(kb);
  return ok;
}

bool time_hkdf(int iterations, double& us) {
  EVP_KDF* kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  EVP_KDF_CTX* ctx = kdf ? EVP_KDF_CTX_new(kdf) : nullptr;
  EVP_KDF_free(kdf);
  if (ctx == nullptr) return false;
  std::array<uint8_t, 32> ikm{1};
  std::array<uint8_t, 64> info{2}, okm{};
  uint8_t salt[] = "ainet-create-v1";
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ikm.data(), ikm.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof salt - 1),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  bool ok = EVP_KDF_CTX_set_params(ctx, params) == 1;
  if (ok) {
    us = time_us(iterations,
                 [&] { return EVP_KDF_derive(ctx, okm.data(), okm.size(), nullptr) == 1; });
    ok = us > 0;
  }
  EVP_KDF_CTX_free(ctx);
  return ok;
}

bool time_ed25519(int iterations, double& sign_us, double& verify_us) {
  std::array<uint8_t, 32> seed{3};
  std::array<uint8_t, 64> sig{};
  std::array<uint8_t, 128> msg{4};
  EVP_PKEY* k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32);
  EVP_MD_CTX* s = EVP_MD_CTX_new();
  EVP_MD_CTX* v = EVP_MD_CTX_new();
  bool ok = k && s && v && EVP_DigestSignInit(s, nullptr, nullptr, nullptr, k) == 1 &&
            EVP_DigestVerifyInit(v, nullptr, nullptr, nullptr, k) == 1;
  if (ok) {
    // One-shot EVP_DigestSign/Verify may be called again on the same context
    // for Ed25519 (no streaming state).
    sign_us = time_us(iterations, [&] {
      size_t len = sig.size();
      return EVP_DigestSign(s, sig.data(), &len, msg.data(), msg.size()) == 1;
    });
    verify_us = time_us(iterations, [&] {
      return EVP_DigestVerify(v, sig.data(), sig.size(), msg.data(), msg.size()) == 1;
    });
    ok = sign_us > 0 && verify_us > 0;
  }
  EVP_MD_CTX_free(s);
  EVP_MD_CTX_free(v);
  EVP_PKEY_free(k);
  return ok;
}

}  // namespace

bool measure_crypto_op_costs(int iterations, bool with_ed25519, CryptoOpCosts& out) {
  return time_x25519(iterations, out.x25519_us) && time_hkdf(iterations, out.hkdf_us) &&
         (!with_ed25519 || time_ed25519(iterations, out.ed25519_sign_us, out.ed25519_verify_us));
}

double crypto_floor_seconds(const crypto::KexCounts& n, const CryptoOpCosts& c) {
  const double us = static_cast<double>(n.x25519_keygen + n.x25519_shared) * c.x25519_us +
                    static_cast<double>(n.hkdf) * c.hkdf_us +
                    static_cast<double>(n.ed25519_sign) * c.ed25519_sign_us +
                    static_cast<double>(n.ed25519_verify) * c.ed25519_verify_us;
  return us * 1e-6;
}

}  // namespace ainet::tools
