#include "ike/sk.h"

#include <cstring>

#include "ike/appender.h"

namespace ainet::ike {

Result<std::unique_ptr<SkCipher>> SkCipher::create(ByteSpan key_and_salt) {
  crypto::AeadAlg alg;
  if (key_and_salt.size() == 16 + kSkSaltLen) {
    alg = crypto::AeadAlg::aes128_gcm;
  } else if (key_and_salt.size() == 32 + kSkSaltLen) {
    alg = crypto::AeadAlg::aes256_gcm;
  } else {
    return Errc::invalid_argument;
  }
  const size_t key_len = key_and_salt.size() - kSkSaltLen;
  auto aead = crypto::Aead::create(alg, key_and_salt.first(key_len));
  if (!aead) return aead.error();
  std::unique_ptr<SkCipher> c(new SkCipher());
  c->aead_ = std::move(*aead);
  std::memcpy(c->salt_, key_and_salt.data() + key_len, kSkSaltLen);
  return c;
}

Status SkCipher::seal_message(IkeHeader h, uint8_t first_inner, ByteSpan inner, Bytes& out) {
  // Pad Length 0: no padding (see sk.h).
  const size_t plain_len = inner.size() + 1;
  const size_t sk_len = kGenericHeaderLen + kSkIvLen + plain_len + kSkIcvLen;
  const size_t total = kIkeHeaderLen + sk_len;
  if (total > kMaxMessageLen) return Errc::limit;
  h.next_payload = static_cast<uint8_t>(PayloadType::sk);
  write_ike_header(out, h);
  store_be32(&out[24], static_cast<uint32_t>(total));  // §3.1 Length, covered by the AAD
  Appender a(out);
  // §3.14: the SK generic header's Next Payload is the first inner payload.
  a.u8(first_inner);
  a.u8(0);
  a.u16(static_cast<uint16_t>(sk_len));
  const size_t aad_len = out.size();
  uint8_t iv[kSkIvLen];
  store_be64(iv, next_iv_++);
  a.bytes(ByteSpan(iv, kSkIvLen));
  const size_t ct_at = out.size();
  a.bytes(inner);
  a.u8(0);  // Pad Length
  out.resize(out.size() + kSkIcvLen);
  uint8_t nonce[crypto::kAeadNonceSize];
  std::memcpy(nonce, salt_, kSkSaltLen);
  std::memcpy(nonce + kSkSaltLen, iv, kSkIvLen);
  MutByteSpan ct(out.data() + ct_at, plain_len);
  return aead_->seal(ByteSpan(nonce, sizeof nonce), ByteSpan(out.data(), aad_len), ct, ct,
                     MutByteSpan(out.data() + ct_at + plain_len, kSkIcvLen));
}

Status SkCipher::open(const ParsedMessage& m, Bytes& plain) {
  if (!m.sk) return Errc::invalid_argument;
  const ByteSpan body = m.sk->body;
  // §3.14: IV, at least the Pad Length octet, and the ICV.
  if (body.size() < kSkIvLen + 1 + kSkIcvLen) return Errc::truncated;
  const ByteSpan iv = body.first(kSkIvLen);
  const size_t ct_len = body.size() - kSkIvLen - kSkIcvLen;
  const ByteSpan ct = body.subspan(kSkIvLen, ct_len);
  const ByteSpan icv = body.subspan(kSkIvLen + ct_len);
  uint8_t nonce[crypto::kAeadNonceSize];
  std::memcpy(nonce, salt_, kSkSaltLen);
  std::memcpy(nonce + kSkSaltLen, iv.data(), kSkIvLen);
  plain.resize(ct_len);
  if (Status s = aead_->open(ByteSpan(nonce, sizeof nonce), m.sk_aad, ct, icv, plain); !ok(s)) {
    plain.clear();
    return s;
  }
  const uint8_t pad_len = plain.back();
  if (size_t{pad_len} + 1 > plain.size()) {
    plain.clear();
    return Errc::malformed;
  }
  plain.resize(plain.size() - pad_len - 1);
  return Errc::ok;
}

}  // namespace ainet::ike
