// Per-thread cache of keyed OpenSSL contexts, shared by every Cipher, Aead,
// Gmac and Hmac object of the thread.
//
// Why: an OpenSSL 3 EVP_CIPHER_CTX keyed for AES costs about 1 KB of heap
// (1.2 KB for GCM, 1 KB for an HMAC EVP_MAC_CTX), and one ANT hop used to
// hold about a dozen of them (4 SAs, 4 onion ciphers). Issue 10 asks for
// about 1.5 KB per ANT per hop, so the objects now keep only their key bytes
// and borrow a context from this cache per call:
//   * a set-associative table per (EVP cipher, direction): 64 sets x 4 ways,
//     indexed by a hash of the object's id; a hit re-uses the key schedule
//     already in the context (same speed as one context per object), a miss
//     re-keys the least recently used way of the set (a key schedule, no
//     allocation once the way has a context);
//   * contexts are created on first use of a way and freed at thread exit
//     (EVP_CIPHER_CTX_free / EVP_MAC_CTX_free cleanse the key schedules);
//   * forget_*() re-keys the way of a destroyed object with an all-zero key,
//     so its key schedule does not outlive it in the cache.
// Hot objects (the few SAs that carry traffic) stay keyed; idle ANTs cost
// their key bytes only. ainet runs each engine on one thread; an object may
// be used from any thread (each thread keys its own context), but forget_*()
// only wipes the calling thread's cache.
#pragma once
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>

namespace ainet::crypto::detail {

// The EVP ciphers the wrappers use; one cache table per (cipher, direction).
enum class EvpCipher : uint8_t {
  aes128_cbc,
  aes256_cbc,
  aes128_ctr,
  aes256_ctr,
  chacha20,
  aes128_ecb,
  aes256_ecb,
  aes128_gcm,
  aes192_gcm,
  aes256_gcm,
  chacha20_poly1305,
  count_,
};

// A fresh identity for a keyed object: never 0 and never reused in the
// process, so a cache way can never be mistaken for another object's.
uint64_t new_key_id();

// The calling thread's context for `cipher` in direction `enc` (1 encrypt,
// 0 decrypt), keyed with the key of object `id` (key: the cipher's key size).
// CBC and ECB contexts have padding off (ESP pads for itself, RFC 4303 §2.4).
// The context stays valid until the next call for the same (cipher, enc) on
// this thread; the caller sets the IV per call as before. nullptr if OpenSSL
// fails.
EVP_CIPHER_CTX* keyed_cipher_ctx(EvpCipher cipher, int enc, uint64_t id, const uint8_t* key);
// HMAC-SHA-256 context keyed with `key` (len bytes, 1..64) for object `id`;
// valid until the next keyed_hmac_ctx call on this thread.
EVP_MAC_CTX* keyed_hmac_ctx(uint64_t id, const uint8_t* key, size_t len);

// Gives every way of object id's set a context for (cipher, enc), without a
// key. A new object calls this instead of keying a context it may never use
// in that direction (or use only after other objects evicted it): the key
// schedule is made by its first keyed_cipher_ctx call, which then allocates
// nothing (the packet path's no-allocation rule; OpenSSL 3 keys a cipher
// context without allocating, unlike an HMAC one). false if OpenSSL fails,
// so the failure shows when the object is made.
[[nodiscard]] bool prepare_cipher_ctx(EvpCipher cipher, int enc, uint64_t id);

// Wipe the calling thread's way of a destroyed object, if it holds one.
void forget_cipher_ctx(EvpCipher cipher, int enc, uint64_t id);
void forget_hmac_ctx(uint64_t id);

}  // namespace ainet::crypto::detail
