// The key bytes of a Cipher, Aead, Gmac or Hmac object together with its
// context-cache identity (context_cache.h) and one byte of its own (the
// algorithm, or the key length), in N + 8 bytes.
//
// Why one word for identity and tag: the objects sit by value in every SA and
// onion layer (4 SAs and 4 onion ciphers per relay hop, issue 10: memory per
// ANT hop). A 32-byte key with a separate algorithm byte and 8-byte id took
// 48 bytes with padding; the tag rides in the low byte of the id word and
// the object is 40. new_key_id() numbers never repeat in the process, so
// the word (number << 8 | tag) never repeats either, and it is never 0 once
// assigned: 0 means unkeyed.
#pragma once
#include <algorithm>
#include <array>
#include <cstdint>

#include "crypto/context_cache.h"
#include "util/bytes.h"
#include "util/secret.h"

namespace ainet::crypto::detail {

template <size_t N>
class KeyBytes {
 public:
  KeyBytes() = default;
  ~KeyBytes() { wipe(); }
  // The source is left unkeyed with its key bytes wiped. The owner's
  // forget() (which releases the cache ways) needs no wipe of its own: the
  // bytes go when KeyBytes is destroyed or overwritten right after it.
  KeyBytes(KeyBytes&& o) noexcept : key_(o.key_), word_(o.word_) { o.wipe(); }
  KeyBytes& operator=(KeyBytes&& o) noexcept {
    if (this != &o) key_ = o.key_, word_ = o.word_, o.wipe();
    return *this;
  }
  KeyBytes(const KeyBytes&) = delete;
  KeyBytes& operator=(const KeyBytes&) = delete;

  // Takes the key (at most N bytes; false if longer) under a fresh identity.
  bool assign(uint8_t tag, ByteSpan key) {
    if (key.size() > N) return false;
    wipe();
    std::copy(key.begin(), key.end(), key_.begin());
    word_ = new_key_id() << 8 | tag;
    return true;
  }
  void wipe() {
    secure_zero(key_.data(), N);
    word_ = 0;
  }

  // The cache identity; 0 = unkeyed (default or moved-from).
  uint64_t id() const { return word_; }
  uint8_t tag() const { return static_cast<uint8_t>(word_); }
  const uint8_t* data() const { return key_.data(); }

 private:
  std::array<uint8_t, N> key_{};
  uint64_t word_ = 0;
};

static_assert(sizeof(KeyBytes<32>) == 40, "a 32-byte key and one word, no padding");

}  // namespace ainet::crypto::detail
