// IKEv2 key derivation with PRF_HMAC_SHA2_256 (RFC 7296 §2.13, §2.14, §2.17,
// §2.18; RFC 4868 §2.2 for the PRF) and the AES-GCM key layout of RFC 5282
// §7.1 (each SK_e key is the AES key followed by a 4-octet salt; there are no
// SK_a keys with an AEAD).
#pragma once
#include <cstdint>

#include "ike/constants.h"
#include "util/bytes.h"
#include "util/result.h"
#include "util/secret.h"

namespace ainet::ike {

// prf(K, S): HMAC-SHA-256 over the concatenation of `data` (RFC 4868 §2.2:
// key of any length, 32-octet output). out must be 32 octets.
[[nodiscard]] Status prf(ByteSpan key, std::initializer_list<ByteSpan> data, MutByteSpan out32);

// prf+ (§2.13): T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n), output the
// first out.size() octets of T1 | T2 | ... (at most 255 * 32 octets, since
// the counter is one octet; more is Errc::invalid_argument).
[[nodiscard]] Status prf_plus(ByteSpan key, ByteSpan seed, MutByteSpan out);

inline constexpr size_t kMaxSkEncLen = 32 + kSkSaltLen;

// The seven keys of an IKE SA (§2.14). sk_ai/sk_ar are empty with AES-GCM.
struct IkeSaKeys {
  Secret<kPrfLen> sk_d;
  Secret<kMaxSkEncLen> sk_ei, sk_er;  // AES key || salt (RFC 5282 §7.1)
  Secret<kPrfLen> sk_pi, sk_pr;
};

// §2.14: SKEYSEED = prf(Ni | Nr, g^ir), then
// {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
//   = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
// aes_key_len is 16 or 32 (ENCR_AES_GCM_16 with a 128/256-bit key).
Result<IkeSaKeys> derive_ike_sa_keys(ByteSpan ni, ByteSpan nr, ByteSpan shared_secret,
                                     uint64_t spi_i, uint64_t spi_r, size_t aes_key_len);

// §2.18 (rekeying the IKE SA): SKEYSEED = prf(SK_d (old), g^ir (new) | Ni | Nr),
// then the same prf+ with the new SPIs and the new exchange's nonces.
Result<IkeSaKeys> derive_rekeyed_ike_sa_keys(ByteSpan old_sk_d, ByteSpan shared_secret, ByteSpan ni,
                                             ByteSpan nr, uint64_t spi_i, uint64_t spi_r,
                                             size_t aes_key_len);

// §2.17: KEYMAT = prf+(SK_d, Ni | Nr), or prf+(SK_d, g^ir (new) | Ni | Nr)
// with a CREATE_CHILD_SA key exchange. The keys for the initiator-to-
// responder direction come first, then responder-to-initiator; each is
// `per_direction` octets (36 for AES-256-GCM: key || salt, RFC 4106 §8.1).
inline constexpr size_t kMaxChildKeymat = 64;
// `extra` is the next kChildExtraLen octets of the same KEYMAT stream, after
// both directions' keys: IPsec does not use them (§2.17 takes the keys from
// the start of KEYMAT), so they are a secret both ends share per child SA and
// independent of its ESP keys (ainet: a PVT's tvt_secret, docs/ike.md).
inline constexpr size_t kChildExtraLen = 32;
struct ChildSaKeys {
  Secret<kMaxChildKeymat> i_to_r;
  Secret<kMaxChildKeymat> r_to_i;
  Secret<kChildExtraLen> extra;
};
Result<ChildSaKeys> derive_child_sa_keys(ByteSpan sk_d, ByteSpan shared_secret_or_empty,
                                         ByteSpan ni, ByteSpan nr, size_t per_direction);

}  // namespace ainet::ike
