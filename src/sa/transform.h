// The IPsec transforms an SA can use, and the wire sizes each one implies.
// One table here so that ESP/AH processing never hard-codes a size.
#pragma once
#include <cstddef>
#include <cstdint>
#include <iterator>

namespace ainet::sa {

enum class Protocol : uint8_t { esp = 50, ah = 51 };  // IP protocol numbers (RFC 4303, RFC 4302)

enum class Transform : uint8_t {
  // ESP, combined mode (AEAD)
  esp_aes128_gcm,         // RFC 4106: KEYMAT = 16-byte key || 4-byte salt
  esp_aes256_gcm,         // RFC 4106: KEYMAT = 32-byte key || 4-byte salt
  esp_chacha20_poly1305,  // RFC 7634: KEYMAT = 32-byte key || 4-byte salt
  // ESP, separate encryption + integrity (RFC 3602 + RFC 4868)
  esp_aes128_cbc_hmac_sha256,  // KEYMAT = 16-byte AES key || 32-byte HMAC key
  esp_aes256_cbc_hmac_sha256,  // KEYMAT = 32-byte AES key || 32-byte HMAC key
  // ESP, integrity only (RFC 2410 NULL encryption + RFC 4868)
  esp_null_hmac_sha256,  // KEYMAT = 32-byte HMAC key
  // ESP, integrity only with AES-GMAC (RFC 4543 ENCR_NULL_AUTH_AES_GMAC)
  esp_aes128_gmac,  // KEYMAT = 16-byte key || 4-byte salt
  esp_aes256_gmac,  // KEYMAT = 32-byte key || 4-byte salt
  // AH (RFC 4302)
  ah_hmac_sha256,   // RFC 4868: KEYMAT = 32-byte HMAC key
  ah_aes128_gmac,   // RFC 4543: KEYMAT = 16-byte key || 4-byte salt
  ah_aes256_gmac,   // RFC 4543: KEYMAT = 32-byte key || 4-byte salt
};

struct TransformInfo {
  Protocol protocol;
  size_t keymat_size;  // total KEYMAT bytes the SA is configured with
  size_t enc_key_size;  // cipher key part (0 for integrity-only)
  size_t salt_size;     // RFC 4106/4543/7634 salt at the end of KEYMAT
  size_t auth_key_size;  // HMAC key part (0 for AEAD/GMAC)
  size_t iv_size;        // explicit IV carried in each packet
  size_t icv_size;       // integrity check value (tag) length
  size_t block_size;     // ESP payload+trailer alignment (RFC 4303 §2.4)
  bool aead;             // combined-mode (GCM, ChaCha20-Poly1305): encrypts
  bool gmac;             // AES-GMAC (RFC 4543)
  bool cbc;              // AES-CBC encryption
};

constexpr TransformInfo transform_info(Transform t) {
  switch (t) {
    case Transform::esp_aes128_gcm: return {Protocol::esp, 20, 16, 4, 0, 8, 16, 4, true, false, false};
    case Transform::esp_aes256_gcm: return {Protocol::esp, 36, 32, 4, 0, 8, 16, 4, true, false, false};
    case Transform::esp_chacha20_poly1305:
      return {Protocol::esp, 36, 32, 4, 0, 8, 16, 4, true, false, false};
    case Transform::esp_aes128_cbc_hmac_sha256:
      return {Protocol::esp, 48, 16, 0, 32, 16, 16, 16, false, false, true};
    case Transform::esp_aes256_cbc_hmac_sha256:
      return {Protocol::esp, 64, 32, 0, 32, 16, 16, 16, false, false, true};
    case Transform::esp_null_hmac_sha256: return {Protocol::esp, 32, 0, 0, 32, 0, 16, 4, false, false, false};
    case Transform::esp_aes128_gmac: return {Protocol::esp, 20, 16, 4, 0, 8, 16, 4, false, true, false};
    case Transform::esp_aes256_gmac: return {Protocol::esp, 36, 32, 4, 0, 8, 16, 4, false, true, false};
    case Transform::ah_hmac_sha256: return {Protocol::ah, 32, 0, 0, 32, 0, 16, 4, false, false, false};
    // RFC 4543 §4 (AH): the Authentication Data is the 8-byte IV || 16-byte tag.
    case Transform::ah_aes128_gmac: return {Protocol::ah, 20, 16, 4, 0, 8, 16, 4, false, true, false};
    case Transform::ah_aes256_gmac: return {Protocol::ah, 36, 32, 4, 0, 8, 16, 4, false, true, false};
  }
  return {};
}

constexpr Protocol protocol_of(Transform t) { return transform_info(t).protocol; }

// Every Transform's TransformInfo in static storage, in enum order, so that
// an SA points at its entry (8 bytes) instead of holding a 72-byte copy
// (issue 10: memory per ANT hop, 4 SAs each).
inline constexpr TransformInfo kTransformInfos[] = {
    transform_info(Transform::esp_aes128_gcm),
    transform_info(Transform::esp_aes256_gcm),
    transform_info(Transform::esp_chacha20_poly1305),
    transform_info(Transform::esp_aes128_cbc_hmac_sha256),
    transform_info(Transform::esp_aes256_cbc_hmac_sha256),
    transform_info(Transform::esp_null_hmac_sha256),
    transform_info(Transform::esp_aes128_gmac),
    transform_info(Transform::esp_aes256_gmac),
    transform_info(Transform::ah_hmac_sha256),
    transform_info(Transform::ah_aes128_gmac),
    transform_info(Transform::ah_aes256_gmac),
};
static_assert(std::size(kTransformInfos) == static_cast<size_t>(Transform::ah_aes256_gmac) + 1,
              "one entry per Transform, in enum order");
// nullptr for a value that is not a Transform.
inline const TransformInfo* transform_info_entry(Transform t) {
  const auto i = static_cast<size_t>(t);
  return i < std::size(kTransformInfos) ? &kTransformInfos[i] : nullptr;
}

}  // namespace ainet::sa
