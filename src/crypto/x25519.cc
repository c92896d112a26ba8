// X25519 (RFC 7748 §5, §6.1) via EVP_PKEY. Not on the packet path (a few per
// hop handshake), but ANT set-up rate is bounded by it (issue 10), so the
// OpenSSL calls around each scalar multiplication are kept few:
//   * keys are imported through one per-thread EVP_PKEY_fromdata context
//     (EVP_PKEY_new_raw_*_key fetches the key manager by name every call);
//   * the peer key is not "validated": for X25519 OpenSSL's public-key check
//     accepts every 32-byte string (RFC 7748 §5 makes every u valid input),
//     and costs a second EVP_PKEY_CTX; the small-order case is rejected by
//     the all-zero test below, as RFC 7748 §6.1 asks;
//   * a public key is computed as X25519(k, 9) (RFC 7748 §6.1) with the same
//     derive call as any DH: OpenSSL 3.0 derives it on a raw private key
//     import with its portable fixed-base code, about 15% slower on x86-64
//     than its assembler ladder;
//   * a fresh key pair and its first DH share one key context.
// The EVP_PKEY frees wipe the private keys they copied.
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <array>
#include <cstdlib>
#include <memory>

#include "crypto/kex.h"
#include "crypto/kex_counts.h"
#include "crypto/raw_key.h"
#include "crypto/thread_owned.h"

namespace ainet::crypto {
namespace {

// RFC 7748 §4.1: the u-coordinate of the Curve25519 base point is 9.
constexpr std::array<uint8_t, kX25519KeySize> kBasePoint{9};

EVP_PKEY_CTX* new_import_ctx() {
  EVP_PKEY_CTX* c = EVP_PKEY_CTX_new_from_name(nullptr, "X25519", nullptr);
  if (c != nullptr && EVP_PKEY_fromdata_init(c) != 1) {
    EVP_PKEY_CTX_free(c);
    c = nullptr;
  }
  return c;
}

// The thread's X25519 fromdata context, borrowed for one import.
using ImportCtx = detail::ThreadOwnedOrFresh<EVP_PKEY_CTX, new_import_ctx, EVP_PKEY_CTX_free>;

// OSSL_PARAM takes non-const pointers; EVP_PKEY_fromdata only copies from them.
uint8_t* mut(ByteSpan s) { return const_cast<uint8_t*>(s.data()); }

detail::Pkey import_public(ByteSpan pub32) {
  ImportCtx ictx;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, mut(pub32), pub32.size()),
      OSSL_PARAM_construct_end(),
  };
  EVP_PKEY* pkey = nullptr;
  if (ictx.get() == nullptr ||
      EVP_PKEY_fromdata(ictx.get(), &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1)
    pkey = nullptr;
  return detail::Pkey(pkey);
}

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using DeriveCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;

// A derive context on private key priv32. pub32 is stored beside it only so
// that OpenSSL does not compute the public key on import
// (ossl_ecx_key_fromdata derives it only when it is missing); the X25519
// derive reads the private half alone, so a placeholder is fine where the
// public key is not known yet (x25519_pub_of).
DeriveCtx derive_ctx(ByteSpan priv32, ByteSpan pub32) {
  DeriveCtx ctx;
  detail::Pkey key;
  {
    ImportCtx ictx;
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY, mut(priv32), priv32.size()),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, mut(pub32), pub32.size()),
        OSSL_PARAM_construct_end(),
    };
    EVP_PKEY* pkey = nullptr;
    if (ictx.get() == nullptr ||
        EVP_PKEY_fromdata(ictx.get(), &pkey, EVP_PKEY_KEYPAIR, params) != 1)
      return ctx;
    key.reset(pkey);
  }
  // The context holds its own reference to the key.
  ctx.reset(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (ctx && EVP_PKEY_derive_init(ctx.get()) != 1) ctx.reset();
  return ctx;
}

// X25519(our key in ctx, peer) into out32; every failure (including an
// all-zero result) leaves out32 zeroed and the thread's error queue empty.
Errc derive_with(EVP_PKEY_CTX* ctx, EVP_PKEY* peer, MutByteSpan out32) {
  size_t len = out32.size();
  // OpenSSL itself refuses an all-zero result; the explicit check below keeps
  // that RFC 7748 §6.1 guarantee even if the library behaviour changed.
  const bool derived = ctx != nullptr && peer != nullptr &&
                       EVP_PKEY_derive_set_peer_ex(ctx, peer, 0) == 1 &&
                       EVP_PKEY_derive(ctx, out32.data(), &len) == 1 && len == kX25519KeySize;
  if (!derived) {
    // The Errc is the report; do not leave stale entries on the thread's
    // OpenSSL error queue for an unrelated later check to trip over.
    ERR_clear_error();
    OPENSSL_cleanse(out32.data(), out32.size());
    return Errc::crypto_error;
  }
  // RFC 7748 §6.1: a small-order peer key yields the all-zero value, which
  // must be rejected. Constant time: OR all bytes together.
  uint8_t acc = 0;
  for (uint8_t b : out32) acc |= b;
  if (acc == 0) return Errc::crypto_error;
  return Errc::ok;
}

// The thread's peer key: one EVP_PKEY whose public key each DH overwrites
// (EVP_PKEY_set1_encoded_public_key), instead of a new key per DH. An
// import goes through EVP_PKEY_set_type_by_keymgmt, which in OpenSSL 3.0
// walks the whole algorithm-name map (OPENSSL_LH_doall_arg) every time
// (issue 10, set-up cost). A derive context keeps a reference to the peer
// it last used, but every derive here sets its peer first, so no context
// ever derives with a key that was overwritten.
EVP_PKEY* import_peer_slot() { return import_public(kBasePoint).release(); }

Errc derive(EVP_PKEY_CTX* ctx, ByteSpan peer_pub32, MutByteSpan out32) {
  if (ctx != nullptr && peer_pub32.size() == kX25519KeySize) {
    EVP_PKEY* slot = detail::thread_owned<EVP_PKEY, import_peer_slot, EVP_PKEY_free>();
    if (slot != nullptr &&
        EVP_PKEY_set1_encoded_public_key(slot, peer_pub32.data(), peer_pub32.size()) == 1)
      return derive_with(ctx, slot, out32);
    ERR_clear_error();
  }
  detail::Pkey peer = ctx != nullptr ? import_public(peer_pub32) : nullptr;
  return derive_with(ctx, peer.get(), out32);
}

// The base point as an EVP_PKEY, imported once per thread (thread_owned):
// every public key is X25519(k, 9), and importing u = 9 each time was about
// 1 us of the work around each key generation (issue 10, set-up cost). A
// derive context takes its own reference to the peer, so one key serves
// them all.
EVP_PKEY* import_base_point() { return import_public(kBasePoint).release(); }

// A shared secret (counted as such).
Errc shared(EVP_PKEY_CTX* ctx, ByteSpan peer_pub32, MutByteSpan out32) {
  ++detail::mutable_kex_counts().x25519_shared;
  return derive(ctx, peer_pub32, out32);
}

// RFC 7748 §6.1: the public key is X25519(k, 9) (counted as a key generation).
Errc public_of(EVP_PKEY_CTX* ctx, PublicKey& pub) {
  ++detail::mutable_kex_counts().x25519_keygen;
  EVP_PKEY* base = detail::thread_owned<EVP_PKEY, import_base_point, EVP_PKEY_free>();
  if (base == nullptr) return derive(ctx, kBasePoint, pub);  // at thread exit, or failed
  return derive_with(ctx, base, pub);
}

// RFC 7748 §6.1: the private key is 32 random bytes (OpenSSL clamps it).
// Aborts only if OpenSSL cannot allocate: callers have no error path for key
// generation, and a key pair with a garbage public key would be worse.
DeriveCtx generate(Rng& rng, X25519KeyPair& kp) {
  kp.priv.resize(kX25519KeySize);
  rng.fill(kp.priv.mut_span());
  DeriveCtx ctx = derive_ctx(kp.priv.span(), kBasePoint);
  if (public_of(ctx.get(), kp.pub) != Errc::ok) std::abort();
  return ctx;
}

}  // namespace

Result<PublicKey> x25519_public(ByteSpan priv32) {
  if (priv32.size() != kX25519KeySize) return Errc::invalid_argument;
  DeriveCtx ctx = derive_ctx(priv32, kBasePoint);
  PublicKey pub{};
  if (public_of(ctx.get(), pub) != Errc::ok) return Errc::crypto_error;
  return pub;
}

X25519KeyPair x25519_generate(Rng& rng) {
  X25519KeyPair kp;
  generate(rng, kp);
  return kp;
}

Errc x25519_generate_shared(Rng& rng, ByteSpan peer_pub32, X25519KeyPair& kp,
                            MutByteSpan out32) {
  if (peer_pub32.size() != kX25519KeySize || out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  DeriveCtx ctx = generate(rng, kp);
  return shared(ctx.get(), peer_pub32, out32);
}

Errc x25519(ByteSpan priv32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || peer_pub32.size() != kX25519KeySize ||
      out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  // The public key is not known here; the derive does not read it.
  DeriveCtx ctx = derive_ctx(priv32, kBasePoint);
  return shared(ctx.get(), peer_pub32, out32);
}

Errc x25519(ByteSpan priv32, ByteSpan own_pub32, ByteSpan peer_pub32, MutByteSpan out32) {
  if (priv32.size() != kX25519KeySize || own_pub32.size() != kX25519KeySize ||
      peer_pub32.size() != kX25519KeySize || out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  DeriveCtx ctx = derive_ctx(priv32, own_pub32);
  return shared(ctx.get(), peer_pub32, out32);
}

Result<X25519StaticKey> X25519StaticKey::make(ByteSpan priv32, const PublicKey& pub32) {
  if (priv32.size() != kX25519KeySize) return Errc::invalid_argument;
  DeriveCtx ctx = derive_ctx(priv32, pub32);
  if (!ctx) return Errc::crypto_error;
  X25519StaticKey k;
  k.ctx_ = ctx.release();
  k.pub_ = pub32;
  return k;
}

X25519StaticKey::X25519StaticKey(X25519StaticKey&& o) noexcept : ctx_(o.ctx_), pub_(o.pub_) {
  o.ctx_ = nullptr;
}

X25519StaticKey& X25519StaticKey::operator=(X25519StaticKey&& o) noexcept {
  if (this != &o) {
    EVP_PKEY_CTX_free(ctx_);
    ctx_ = o.ctx_;
    pub_ = o.pub_;
    o.ctx_ = nullptr;
  }
  return *this;
}

// Freeing the context frees its key reference, which wipes the private key.
X25519StaticKey::~X25519StaticKey() { EVP_PKEY_CTX_free(ctx_); }

Errc X25519StaticKey::shared(ByteSpan peer_pub32, MutByteSpan out32) {
  if (peer_pub32.size() != kX25519KeySize || out32.size() != kX25519KeySize)
    return Errc::invalid_argument;
  if (ctx_ == nullptr) {  // default-constructed or moved-from
    OPENSSL_cleanse(out32.data(), out32.size());
    return Errc::crypto_error;
  }
  return crypto::shared(ctx_, peer_pub32, out32);
}

}  // namespace ainet::crypto
