// AES-GMAC (RFC 4543): AES-GCM with every authenticated byte fed as AAD and
// an empty plaintext, giving a 16-byte tag. Used for AH-GMAC (RFC 4543 §3.3:
// the AH ICV over the whole packet with mutable fields and the ICV zeroed)
// and ESP-GMAC (RFC 4543 §3.2, the "ENCR_NULL_AUTH_AES_GMAC" transform).
// Assembling the authenticated data and the nonce (4-byte salt || 8-byte IV,
// RFC 4543 §3.1) is the caller's business.
// The object keeps only its key bytes; compute/verify borrow the thread's
// keyed AES-GCM context (crypto/context_cache.h) and only set the nonce, so
// nothing is allocated per packet.
#pragma once
#include <initializer_list>
#include <memory>

#include "crypto/key_bytes.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::crypto {

constexpr size_t kGmacNonceSize = 12;  // RFC 4543 §3.1: salt(4) || IV(8)
constexpr size_t kGmacTagSize = 16;    // RFC 4543 §3.2: the ICV is 16 octets

class Gmac {
 public:
  // The AES key size follows the key length: 16 -> AES-128-GMAC,
  // 24 -> AES-192-GMAC, 32 -> AES-256-GMAC (RFC 4543 §4). Anything else is
  // Errc::invalid_argument. key excludes the RFC 4543 salt.
  static Result<std::unique_ptr<Gmac>> create(ByteSpan key);
  // The same by value, for objects kept inside larger state (an SA): no heap
  // block of its own (issue 10, memory per hop).
  static Result<Gmac> make(ByteSpan key);
  // Unkeyed: compute/verify return Errc::invalid_argument until a keyed Gmac
  // is moved in.
  Gmac() = default;
  ~Gmac();
  Gmac(Gmac&& o) noexcept;
  Gmac& operator=(Gmac&& o) noexcept;
  Gmac(const Gmac&) = delete;
  Gmac& operator=(const Gmac&) = delete;

  size_t key_bits() const { return size_t{key_.tag()} * 8; }
  bool keyed() const { return key_.id() != 0; }

  // Tag over the concatenation of parts. nonce must be 12 bytes and tag_out
  // 16 bytes, else Errc::invalid_argument.
  [[nodiscard]] Errc compute(ByteSpan nonce, std::initializer_list<ByteSpan> parts,
                             MutByteSpan tag_out);
  // Recomputes and compares in constant time: Errc::ok or Errc::auth_failed.
  [[nodiscard]] Errc verify(ByteSpan nonce, std::initializer_list<ByteSpan> parts, ByteSpan tag);

 private:
  void forget();
  detail::KeyBytes<32> key_;  // the key length in bytes is its tag (40 bytes in all)
};

}  // namespace ainet::crypto
