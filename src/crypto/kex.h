// Public-key primitives: X25519 (RFC 7748) for the per-hop ntor-like
// handshake, Ed25519 (RFC 8032) for identity keys and the signed directory,
// and HKDF-SHA-256 (RFC 5869) to turn shared secrets into keys.
#pragma once
#include <array>

#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"

struct evp_pkey_ctx_st;  // OpenSSL's EVP_PKEY_CTX (openssl/types.h)

namespace ainet::crypto {

constexpr size_t kX25519KeySize = 32;
constexpr size_t kEd25519KeySize = 32;
constexpr size_t kEd25519SigSize = 64;

using PublicKey = std::array<uint8_t, 32>;
using PrivateKey = Secret<32>;
using Signature = std::array<uint8_t, 64>;

struct X25519KeyPair {
  PrivateKey priv;
  PublicKey pub{};
};
struct Ed25519KeyPair {
  PrivateKey priv;  // RFC 8032 32-byte seed
  PublicKey pub{};
};

X25519KeyPair x25519_generate(Rng& rng);
Result<PublicKey> x25519_public(ByteSpan priv32);
// A fresh key pair (as x25519_generate, the same bytes drawn from rng) and
// its shared secret with peer_pub32 (as x25519 below), with one OpenSSL key
// for both. kp is filled even when the DH fails (small-order peer).
[[nodiscard]] Errc x25519_generate_shared(Rng& rng, ByteSpan peer_pub32, X25519KeyPair& kp,
                                          MutByteSpan out32);
// Shared secret; fails (Errc::crypto_error, out32 zeroed) for an all-zero
// result (small-order peer key, RFC 7748 §6.1). Wrong lengths: invalid_argument.
// x25519_generate/ed25519_generate abort only if OpenSSL cannot allocate.
[[nodiscard]] Errc x25519(ByteSpan priv32, ByteSpan peer_pub32, MutByteSpan out32);
// The same, for a caller that holds its own public key (own_pub32, the
// public key of priv32): OpenSSL 3 derives the public half again (a
// fixed-base scalar multiplication) whenever a raw private key is imported
// without it; x25519.cc avoids that either way, so both overloads cost the
// same. The result depends only on priv32 and peer_pub32.
[[nodiscard]] Errc x25519(ByteSpan priv32, ByteSpan own_pub32, ByteSpan peer_pub32,
                          MutByteSpan out32);

// A long-term X25519 key pair (a relay's onion key: one DH per CREATE) with
// its OpenSSL derive context made once, so that each shared() imports only
// the peer's key; the per-call x25519() above imports the private key and
// makes a context every time (about 2.4 us of a 26 us DH on this machine,
// issue 10 set-up cost). One thread at a time: shared() re-targets the
// context's peer. Same results and failures as x25519(priv, own_pub, ...).
class X25519StaticKey {
 public:
  // priv32 and its public key pub32 (not checked against each other: the
  // caller derived it). invalid_argument on lengths, crypto_error if OpenSSL
  // refuses.
  static Result<X25519StaticKey> make(ByteSpan priv32, const PublicKey& pub32);
  X25519StaticKey() = default;
  X25519StaticKey(X25519StaticKey&&) noexcept;
  X25519StaticKey& operator=(X25519StaticKey&&) noexcept;
  ~X25519StaticKey();

  const PublicKey& pub() const { return pub_; }
  [[nodiscard]] Errc shared(ByteSpan peer_pub32, MutByteSpan out32);

 private:
  evp_pkey_ctx_st* ctx_ = nullptr;  // EVP_PKEY_CTX, derive-initialised on the key
  PublicKey pub_{};
};

Ed25519KeyPair ed25519_generate(Rng& rng);
Result<PublicKey> ed25519_public(ByteSpan seed32);
Result<Signature> ed25519_sign(ByteSpan seed32, ByteSpan msg);
// Errc::ok or Errc::bad_signature (also for a sig that is not 64 bytes or a
// pub that OpenSSL refuses); Errc::invalid_argument if pub is not 32 bytes.
[[nodiscard]] Errc ed25519_verify(ByteSpan pub32, ByteSpan msg, ByteSpan sig64);

// RFC 5869. out.size() is L (1..255*32, else Errc::invalid_argument). An empty
// salt means HashLen zero bytes (§2.2). expand needs prk.size() >= 32 (§2.3).
[[nodiscard]] Errc hkdf_sha256(ByteSpan salt, ByteSpan ikm, ByteSpan info, MutByteSpan out);
[[nodiscard]] Errc hkdf_extract_sha256(ByteSpan salt, ByteSpan ikm, MutByteSpan prk32);
[[nodiscard]] Errc hkdf_expand_sha256(ByteSpan prk, ByteSpan info, MutByteSpan out);

// Operations made by the calling thread since it started, for tools that
// compare a measured cost with the bare cost of these operations (the
// "crypto floor", tools/sim_scale). x25519_keygen counts public keys computed
// (x25519_generate, x25519_generate_shared, x25519_public); x25519_shared
// counts shared secrets; hkdf counts HKDF calls of any mode and digest.
struct KexCounts {
  uint64_t x25519_keygen = 0;
  uint64_t x25519_shared = 0;
  uint64_t hkdf = 0;
  uint64_t ed25519_sign = 0;
  uint64_t ed25519_verify = 0;
};
KexCounts kex_counts();

}  // namespace ainet::crypto
