// The AUTH payload's contents (RFC 7296 §2.15):
//   InitiatorSignedOctets = RealMessage1 | NonceRData | MACedIDForI
//   ResponderSignedOctets = RealMessage2 | NonceIData | MACedIDForR
//   MACedIDForX           = prf(SK_px, RestOfXIDPayload)
// and the two methods ainet supports:
//   * Shared Key Message Integrity Code (method 2, §2.15):
//       AUTH = prf(prf(Shared Secret, "Key Pad for IKEv2"), SignedOctets)
//   * Digital Signature (method 14, RFC 7427 §3) with Ed25519 (RFC 8420):
//       AUTH = ASN.1 length (1 octet) | AlgorithmIdentifier | signature,
//     where the AlgorithmIdentifier is SEQUENCE { OID 1.3.101.112 } with no
//     parameters (RFC 8410 §3), and the signature is pure Ed25519 over the
//     signed octets (RFC 8420 §2: no pre-hash; "Identity" hash, value 5, is
//     announced in SIGNATURE_HASH_ALGORITHMS, RFC 7427 §4).
#pragma once
#include "crypto/kex.h"
#include "ike/payloads.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::ike {

// RFC 8410 §3 / RFC 8420 §2: DER of AlgorithmIdentifier { id-Ed25519 }.
inline constexpr uint8_t kEd25519AlgorithmId[] = {0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70};

// §2.15 signed octets for one side: its own first message, the peer's
// nonce, and the MAC of its own ID payload body under its SK_p.
Result<Bytes> auth_signed_octets(ByteSpan own_first_message, ByteSpan peer_nonce, ByteSpan own_sk_p,
                                 const Identity& own_id);

Result<Bytes> psk_auth_data(ByteSpan psk, ByteSpan signed_octets);
Result<Bytes> ed25519_auth_data(ByteSpan seed32, ByteSpan signed_octets);

// Checks a received AUTH payload. With a PSK the method must be 2 and the
// value equal (constant-time compare); with an Ed25519 key the method must
// be 14, the AlgorithmIdentifier exactly the Ed25519 one and the signature
// valid. Any mismatch is Errc::auth_failed (one answer for every cause:
// §2.21.2 wants AUTHENTICATION_FAILED whatever went wrong).
Status verify_psk_auth(const AuthPayload& a, ByteSpan psk, ByteSpan signed_octets);
Status verify_ed25519_auth(const AuthPayload& a, ByteSpan pub32, ByteSpan signed_octets);

// RFC 7427 §4: Notification Data of SIGNATURE_HASH_ALGORITHMS is a list of
// 2-octet hash algorithm identifiers.
Bytes signature_hash_algorithms_data();  // {Identity}
bool lists_identity_hash(ByteSpan notify_data);

}  // namespace ainet::ike
