// See context_cache.h for why the contexts are shared per thread.
#include "crypto/context_cache.h"

#include <openssl/core_names.h>
#include <openssl/params.h>

#include <array>
#include <atomic>
#include <memory>

namespace ainet::crypto::detail {

namespace {

constexpr size_t kSetBits = 6;  // 64 sets
constexpr size_t kSets = size_t{1} << kSetBits;
constexpr size_t kWays = 4;  // 4 hot objects may share a set without re-keying
constexpr size_t kCiphers = static_cast<size_t>(EvpCipher::count_);
// An all-zero key to overwrite the schedule of a forgotten object (the
// largest key any table uses: 32 bytes; HMAC keys are at most 64).
constexpr uint8_t kZeroKey[64] = {};

const char* evp_name(EvpCipher c) {
  static constexpr const char* kNames[kCiphers] = {
      "AES-128-CBC", "AES-256-CBC", "AES-128-CTR",       "AES-256-CTR",
      "ChaCha20",    "AES-128-ECB", "AES-256-ECB",       "AES-128-GCM",
      "AES-192-GCM", "AES-256-GCM", "ChaCha20-Poly1305",
  };
  return kNames[static_cast<size_t>(c)];
}

bool unpadded(EvpCipher c) {
  return c == EvpCipher::aes128_cbc || c == EvpCipher::aes256_cbc || c == EvpCipher::aes128_ecb ||
         c == EvpCipher::aes256_ecb;
}

// Fibonacci hashing spreads ids that were handed out in a regular stride
// (an ANT creates its SAs and onion ciphers in a fixed order) over all sets.
size_t set_of(uint64_t id) {
  return static_cast<size_t>((id * 0x9E3779B97F4A7C15ull) >> (64 - kSetBits));
}

// Set once the thread's cache is destroyed at thread exit: an object used or
// destroyed later on the same thread (a static one) must not touch it.
thread_local bool t_cache_gone = false;

template <typename Ctx>
struct Way {
  Ctx* ctx = nullptr;
  uint64_t owner = 0;     // id of the object whose key is in ctx; 0 = none
  uint64_t last_use = 0;  // table clock at the last hit, for LRU eviction
};

template <typename Ctx>
struct Table {
  std::array<Way<Ctx>, kSets * kWays> ways{};
  uint64_t clock = 0;

  // The way holding `id`, or the least recently used way of its set (owner
  // then differs from id and the caller must key it).
  Way<Ctx>& find(uint64_t id) {
    Way<Ctx>* set = &ways[set_of(id) * kWays];
    Way<Ctx>* victim = set;
    for (size_t i = 0; i < kWays; ++i) {
      if (set[i].owner == id) {
        set[i].last_use = ++clock;
        return set[i];
      }
      if (set[i].last_use < victim->last_use) victim = &set[i];
    }
    victim->last_use = ++clock;
    return *victim;
  }
  Way<Ctx>* set(uint64_t id) { return &ways[set_of(id) * kWays]; }
  Way<Ctx>* holding(uint64_t id) {
    Way<Ctx>* set = &ways[set_of(id) * kWays];
    for (size_t i = 0; i < kWays; ++i) {
      if (set[i].owner == id) return &set[i];
    }
    return nullptr;
  }
};

struct ThreadCache {
  std::array<EVP_CIPHER*, kCiphers> ciphers{};
  // [cipher * 2 + enc]; allocated on the first use of that pair.
  std::array<std::unique_ptr<Table<EVP_CIPHER_CTX>>, kCiphers * 2> tables{};
  EVP_MAC* hmac = nullptr;
  std::unique_ptr<Table<EVP_MAC_CTX>> hmac_table;

  ~ThreadCache() {
    for (auto& t : tables) {
      if (!t) continue;
      for (auto& w : t->ways) EVP_CIPHER_CTX_free(w.ctx);
    }
    if (hmac_table) {
      for (auto& w : hmac_table->ways) EVP_MAC_CTX_free(w.ctx);
    }
    for (EVP_CIPHER* c : ciphers) EVP_CIPHER_free(c);
    EVP_MAC_free(hmac);
    t_cache_gone = true;
  }

  Table<EVP_CIPHER_CTX>* table(EvpCipher c, int enc, bool create) {
    auto& t = tables[static_cast<size_t>(c) * 2 + (enc != 0)];
    if (!t && create) t = std::make_unique<Table<EVP_CIPHER_CTX>>();
    return t.get();
  }
  EVP_CIPHER* cipher(EvpCipher c) {
    EVP_CIPHER*& f = ciphers[static_cast<size_t>(c)];
    if (f == nullptr) f = EVP_CIPHER_fetch(nullptr, evp_name(c), nullptr);
    return f;
  }
};

ThreadCache& cache() {
  thread_local ThreadCache c;
  return c;
}

bool key_cipher(EVP_CIPHER_CTX* ctx, EvpCipher c, int enc, const uint8_t* key) {
  return EVP_CipherInit_ex(ctx, nullptr, nullptr, key, nullptr, enc) == 1 &&
         (!unpadded(c) || EVP_CIPHER_CTX_set_padding(ctx, 0) == 1);
}

// The digest is set once, when the context is made: passing it again on every
// re-key made OpenSSL fetch SHA-256 by name each time (issue 10, set-up cost).
EVP_MAC_CTX* new_hmac_ctx(EVP_MAC* hmac) {
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_new(hmac);
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  if (ctx != nullptr && EVP_MAC_CTX_set_params(ctx, params) != 1) {
    EVP_MAC_CTX_free(ctx);
    ctx = nullptr;
  }
  return ctx;
}

bool key_hmac(EVP_MAC_CTX* ctx, const uint8_t* key, size_t len) {
  return EVP_MAC_init(ctx, key, len, nullptr) == 1;
}

}  // namespace

uint64_t new_key_id() {
  static std::atomic<uint64_t> next{1};
  return next.fetch_add(1, std::memory_order_relaxed);
}

namespace {

// Gives way w an unkeyed context of its (cipher, enc) if it has none.
bool ensure_cipher_ctx(ThreadCache& tc, EvpCipher c, int enc, Way<EVP_CIPHER_CTX>& w) {
  if (w.ctx != nullptr) return true;
  EVP_CIPHER* cipher = tc.cipher(c);
  if (cipher == nullptr) return false;
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (ctx == nullptr) return false;
  if (EVP_CipherInit_ex(ctx, cipher, nullptr, nullptr, nullptr, enc) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    return false;
  }
  w.ctx = ctx;
  return true;
}

}  // namespace

EVP_CIPHER_CTX* keyed_cipher_ctx(EvpCipher c, int enc, uint64_t id, const uint8_t* key) {
  if (t_cache_gone) return nullptr;
  ThreadCache& tc = cache();
  Way<EVP_CIPHER_CTX>& w = tc.table(c, enc, true)->find(id);
  if (w.owner == id) return w.ctx;
  w.owner = 0;  // until keyed: a failure below must not leave a stale owner
  if (!ensure_cipher_ctx(tc, c, enc, w) || !key_cipher(w.ctx, c, enc, key)) return nullptr;
  w.owner = id;
  return w.ctx;
}

EVP_MAC_CTX* keyed_hmac_ctx(uint64_t id, const uint8_t* key, size_t len) {
  if (t_cache_gone) return nullptr;
  ThreadCache& tc = cache();
  if (!tc.hmac_table) tc.hmac_table = std::make_unique<Table<EVP_MAC_CTX>>();
  Way<EVP_MAC_CTX>& w = tc.hmac_table->find(id);
  if (w.owner == id) return w.ctx;
  w.owner = 0;
  if (w.ctx == nullptr) {
    if (tc.hmac == nullptr) tc.hmac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (tc.hmac == nullptr) return nullptr;
    w.ctx = new_hmac_ctx(tc.hmac);
    if (w.ctx == nullptr) return nullptr;
  }
  if (!key_hmac(w.ctx, key, len)) return nullptr;
  w.owner = id;
  return w.ctx;
}

bool prepare_cipher_ctx(EvpCipher c, int enc, uint64_t id) {
  if (t_cache_gone) return true;  // a static object at thread exit: keyed per call
  ThreadCache& tc = cache();
  Way<EVP_CIPHER_CTX>* set = tc.table(c, enc, true)->set(id);
  for (size_t i = 0; i < kWays; ++i)
    if (!ensure_cipher_ctx(tc, c, enc, set[i])) return false;
  return true;
}

void forget_cipher_ctx(EvpCipher c, int enc, uint64_t id) {
  if (t_cache_gone) return;
  Table<EVP_CIPHER_CTX>* t = cache().table(c, enc, false);
  Way<EVP_CIPHER_CTX>* w = t ? t->holding(id) : nullptr;
  if (w == nullptr) return;
  w->owner = 0;
  // Overwrites the key schedule in place; if that fails, free the context
  // (which cleanses it) and let the way start over.
  if (!key_cipher(w->ctx, c, enc, kZeroKey)) {
    EVP_CIPHER_CTX_free(w->ctx);
    w->ctx = nullptr;
  }
}

void forget_hmac_ctx(uint64_t id) {
  if (t_cache_gone) return;
  Table<EVP_MAC_CTX>* t = cache().hmac_table.get();
  Way<EVP_MAC_CTX>* w = t ? t->holding(id) : nullptr;
  if (w == nullptr) return;
  w->owner = 0;
  if (!key_hmac(w->ctx, kZeroKey, 32)) {
    EVP_MAC_CTX_free(w->ctx);
    w->ctx = nullptr;
  }
}

}  // namespace ainet::crypto::detail
