// The Encrypted and Authenticated payload (RFC 7296 §3.14) with
// ENCR_AES_GCM_16 (RFC 5282):
//   SK body = IV (8) | AES-GCM ciphertext of (inner payloads | Padding |
//             Pad Length) | ICV (16)
//   nonce   = salt (the last 4 octets of SK_e, RFC 5282 §7.1) | IV (§4)
//   AAD     = IKE header .. end of the SK generic header (§5.1), so the
//             header's Length field is fixed before sealing.
// IV choice (RFC 5282 §3.1: MUST NOT repeat under one key): a per-direction
// 64-bit counter, so a key never sees an IV twice; a retransmission resends
// the stored ciphertext, it is never re-sealed.
// Padding: none is sent (GCM is a stream mode and RFC 5282 §3 lets the
// sender choose); any Pad Length that fits is accepted (§3.14: the padding
// content is ignored).
#pragma once
#include <memory>

#include "crypto/aead.h"
#include "ike/message.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::ike {

class SkCipher {
 public:
  // key_and_salt: SK_ei or SK_er (16 or 32 octets of AES key, then 4 salt).
  static Result<std::unique_ptr<SkCipher>> create(ByteSpan key_and_salt);

  // Builds a whole message: header h (its next_payload and length are set
  // here) followed by one SK payload that carries `inner` (a payload chain
  // whose first type is first_inner). The IV is the next counter value.
  [[nodiscard]] Status seal_message(IkeHeader h, uint8_t first_inner, ByteSpan inner, Bytes& out);

  // Verifies and decrypts the SK payload of a parsed message (m.sk must be
  // set). On success `plain` holds the inner payload chain (padding
  // removed). Errors: truncated (shorter than IV + ICV + Pad Length),
  // auth_failed (ICV mismatch, which includes any change to the header or
  // to the ciphertext), malformed (Pad Length larger than the plaintext).
  [[nodiscard]] Status open(const ParsedMessage& m, Bytes& plain);

  uint64_t ivs_used() const { return next_iv_; }

 private:
  SkCipher() = default;
  std::unique_ptr<crypto::Aead> aead_;
  uint8_t salt_[kSkSaltLen] = {};
  uint64_t next_iv_ = 0;
};

}  // namespace ainet::ike
