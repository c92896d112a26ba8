#include "ike/auth.h"

#include <openssl/crypto.h>

#include <cstring>

#include "ike/keys.h"

namespace ainet::ike {

Result<Bytes> auth_signed_octets(ByteSpan own_first_message, ByteSpan peer_nonce, ByteSpan own_sk_p,
                                 const Identity& own_id) {
  uint8_t maced_id[kPrfLen];
  const Bytes rest = id_payload_body(own_id);  // §2.15 RestOfXIDPayload
  if (Status s = prf(own_sk_p, {rest}, maced_id); !ok(s)) return s;
  Bytes out;
  out.reserve(own_first_message.size() + peer_nonce.size() + kPrfLen);
  out.insert(out.end(), own_first_message.begin(), own_first_message.end());
  out.insert(out.end(), peer_nonce.begin(), peer_nonce.end());
  out.insert(out.end(), maced_id, maced_id + kPrfLen);
  return out;
}

namespace {
constexpr char kKeyPad[] = "Key Pad for IKEv2";  // §2.15, 17 ASCII octets, no NUL
}

Result<Bytes> psk_auth_data(ByteSpan psk, ByteSpan signed_octets) {
  if (psk.empty()) return Errc::invalid_argument;
  uint8_t inner[kPrfLen];
  if (Status s = prf(psk, {ByteSpan(reinterpret_cast<const uint8_t*>(kKeyPad), sizeof kKeyPad - 1)},
                     inner);
      !ok(s))
    return s;
  Bytes out(kPrfLen);
  const Status s = prf(ByteSpan(inner, kPrfLen), {signed_octets}, out);
  OPENSSL_cleanse(inner, sizeof inner);
  if (!ok(s)) return s;
  return out;
}

Result<Bytes> ed25519_auth_data(ByteSpan seed32, ByteSpan signed_octets) {
  auto sig = crypto::ed25519_sign(seed32, signed_octets);
  if (!sig) return sig.error();
  Bytes out;
  out.push_back(sizeof kEd25519AlgorithmId);  // RFC 7427 §3: ASN.1 Length
  out.insert(out.end(), std::begin(kEd25519AlgorithmId), std::end(kEd25519AlgorithmId));
  out.insert(out.end(), sig->begin(), sig->end());
  return out;
}

Status verify_psk_auth(const AuthPayload& a, ByteSpan psk, ByteSpan signed_octets) {
  if (a.method != static_cast<uint8_t>(AuthMethod::shared_key_mic)) return Errc::auth_failed;
  auto want = psk_auth_data(psk, signed_octets);
  if (!want) return Errc::auth_failed;
  if (a.data.size() != want->size()) return Errc::auth_failed;
  return CRYPTO_memcmp(a.data.data(), want->data(), want->size()) == 0 ? Errc::ok
                                                                       : Errc::auth_failed;
}

Status verify_ed25519_auth(const AuthPayload& a, ByteSpan pub32, ByteSpan signed_octets) {
  if (a.method != static_cast<uint8_t>(AuthMethod::digital_signature)) return Errc::auth_failed;
  ByteReader r(a.data);
  const uint8_t alg_len = r.u8();
  const ByteSpan alg = r.bytes(alg_len);
  const ByteSpan sig = r.rest();
  if (!r.ok() || alg_len != sizeof kEd25519AlgorithmId ||
      std::memcmp(alg.data(), kEd25519AlgorithmId, sizeof kEd25519AlgorithmId) != 0)
    return Errc::auth_failed;
  return crypto::ed25519_verify(pub32, signed_octets, sig) == Errc::ok ? Errc::ok
                                                                       : Errc::auth_failed;
}

Bytes signature_hash_algorithms_data() {
  return {static_cast<uint8_t>(kHashIdentity >> 8), static_cast<uint8_t>(kHashIdentity)};
}

bool lists_identity_hash(ByteSpan data) {
  for (size_t i = 0; i + 1 < data.size(); i += 2)
    if (load_be16(data.data() + i) == kHashIdentity) return true;
  return false;
}

}  // namespace ainet::ike
