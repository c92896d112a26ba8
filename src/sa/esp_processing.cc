// ESP packet processing (RFC 4303 §3.3 outbound, §3.4 inbound).
//
//   SPI(4) | Seq(4) | IV | Payload | Padding | PadLen(1) | NextHdr(1) | ICV
//                       '---------- encrypted (not for NULL) ---------'
#include <cstring>

#include "sa/security_association.h"
#include "wire/constants.h"
#include "wire/esp.h"

namespace ainet::sa {

namespace {

// RFC 4106 §5 / RFC 4543 §3.2 / RFC 7634 §2.1: AAD = SPI || [seq hi] || seq lo
// (wire::write_esp_aad), on the stack.
struct EspAad {
  uint8_t bytes[wire::kEspMaxAadLen];
  size_t len;
  EspAad(uint32_t spi, uint64_t seq, bool esn) : len(wire::write_esp_aad(bytes, spi, seq, esn)) {}
  ByteSpan span() const { return ByteSpan(bytes, len); }
};

// RFC 4106 §4 / RFC 4543 §3.1 / RFC 7634 §2: nonce = salt(4) || IV(8).
struct EspNonce {
  uint8_t bytes[crypto::kAeadNonceSize];
  EspNonce(const uint8_t* salt, const uint8_t* iv) {
    std::memcpy(bytes, salt, 4);
    std::memcpy(bytes + 4, iv, 8);
  }
  ByteSpan span() const { return ByteSpan(bytes); }
};

}  // namespace

Result<size_t> SecurityAssociation::esp_seal(uint64_t seq, ByteSpan iv, ByteSpan payload,
                                             uint8_t next_header, MutByteSpan out) {
  const size_t total = esp_len(payload.size());
  if (out.size() < total) return Errc::buffer_too_small;
  if (iv.size() != info().iv_size) return Errc::invalid_argument;
  const size_t body = wire::kEspHeaderLen + info().iv_size;  // offset of the payload
  const size_t enc_len = total - body - info().icv_size;     // payload + padding + trailer
  const size_t pad_len = enc_len - payload.size() - wire::kEspTrailerLen;

  uint8_t* p = out.data();
  // The payload may already sit in place (headroom()) or overlap `out`: move
  // it first, before any header byte is written over its old position.
  if (!payload.empty() && payload.data() != p + body)
    std::memmove(p + body, payload.data(), payload.size());
  store_be32(p, spi_);
  store_be32(p + 4, static_cast<uint32_t>(seq));  // RFC 4303 §2.2: low 32 bits only
  if (!iv.empty()) std::memcpy(p + wire::kEspHeaderLen, iv.data(), iv.size());
  // RFC 4303 §2.4: default padding is the monotonic series 1, 2, 3, ...
  uint8_t* trailer = p + body + payload.size();
  for (size_t i = 0; i < pad_len; ++i) trailer[i] = static_cast<uint8_t>(i + 1);
  trailer[pad_len] = static_cast<uint8_t>(pad_len);
  trailer[pad_len + 1] = next_header;

  const MutByteSpan region(p + body, enc_len);
  const MutByteSpan icv(p + body + enc_len, info().icv_size);
  // RFC 4303 §2.2.1: with ESN the high 32 bits are in the AAD or, for HMAC,
  // an implicit trailer.
  const auto hi = wire::esn_high_bytes(seq);
  if (info().aead) {
    const EspNonce nonce(salt_, iv.data());
    const EspAad aad(spi_, seq, esn_);
    if (Errc e = aead()->seal(nonce.span(), aad.span(), region, region, icv); e != Errc::ok)
      return e;
    return total;
  }
  if (gmac()) {
    // RFC 4543 §3.2: nothing is encrypted; the AAD is SPI || seq || IV ||
    // payload || padding || trailer, and the tag is the ICV.
    const EspNonce nonce(salt_, iv.data());
    const EspAad aad(spi_, seq, esn_);
    const ByteSpan rest(p + wire::kEspHeaderLen, info().iv_size + enc_len);
    if (Errc e = gmac()->compute(nonce.span(), {aad.span(), rest}, icv); e != Errc::ok) return e;
    return total;
  }
  if (cipher()) {
    if (Errc e = cipher()->encrypt(iv, region, region); e != Errc::ok) return e;
  }
  // RFC 4303 §2.2.1 / §3.3.2.1: the ICV covers SPI .. Next Header (after
  // encryption), then the implicit ESN high bits, which are never sent.
  const ByteSpan covered(p, body + enc_len);
  const ByteSpan implicit_hi = esn_ ? ByteSpan(hi) : ByteSpan();
  if (Errc e = hmac()->compute({covered, implicit_hi}, icv); e != Errc::ok) return e;
  return total;
}

Result<OpenedPacket> SecurityAssociation::esp_open(MutByteSpan esp) {
  // 1. Length: header, IV, at least the 2 trailer bytes, ICV (RFC 4303 §3.4).
  const size_t body = wire::kEspHeaderLen + info().iv_size;
  if (esp.size() < body + wire::kEspTrailerLen + info().icv_size) return Errc::truncated;
  const size_t enc_len = esp.size() - body - info().icv_size;
  // RFC 3602 §3: CBC ciphertext is whole blocks.
  if (info().cbc && enc_len % info().block_size != 0) return Errc::malformed;

  // 2. SPI: the SAD picked this SA by SPI; a mismatch means a wrong caller.
  uint8_t* p = esp.data();
  if (load_be32(p) != spi_) return Errc::unknown_spi;

  // 3. Replay pre-check, no state change (RFC 4303 §3.4.3).
  auto seq = replay_.check(load_be32(p + 4));
  if (!seq) return seq.error();

  // 4. ICV / AEAD verification (RFC 4303 §3.4.4), then decryption.
  const ByteSpan iv(p + wire::kEspHeaderLen, info().iv_size);
  const MutByteSpan region(p + body, enc_len);
  const ByteSpan icv(p + body + enc_len, info().icv_size);
  const auto hi = wire::esn_high_bytes(*seq);
  if (info().aead) {
    const EspNonce nonce(salt_, iv.data());
    const EspAad aad(spi_, *seq, esn_);
    if (Errc e = aead()->open(nonce.span(), aad.span(), region, icv, region); e != Errc::ok)
      return e;
  } else if (gmac()) {
    const EspNonce nonce(salt_, iv.data());
    const EspAad aad(spi_, *seq, esn_);
    const ByteSpan rest(p + wire::kEspHeaderLen, info().iv_size + enc_len);
    if (Errc e = gmac()->verify(nonce.span(), {aad.span(), rest}, icv); e != Errc::ok) return e;
  } else {
    const ByteSpan covered(p, body + enc_len);
    const ByteSpan implicit_hi = esn_ ? ByteSpan(hi) : ByteSpan();
    if (Errc e = hmac()->verify({covered, implicit_hi}, icv); e != Errc::ok) return e;
    if (cipher()) {
      if (Errc e = cipher()->decrypt(iv, region, region); e != Errc::ok) return e;
    }
  }

  // 5. Only an authenticated packet moves the window.
  replay_.update(*seq);

  // 6. Padding (RFC 4303 §2.4: the receiver checks the default 1, 2, 3, ... series).
  const size_t pad_len = region[enc_len - 2];
  if (pad_len + wire::kEspTrailerLen > enc_len) return Errc::bad_padding;
  const size_t payload_len = enc_len - wire::kEspTrailerLen - pad_len;
  for (size_t i = 0; i < pad_len; ++i) {
    if (region[payload_len + i] != static_cast<uint8_t>(i + 1)) return Errc::bad_padding;
  }

  // 7. Next header. 59 marks a dummy packet (RFC 4303 §2.6); the caller discards it.
  OpenedPacket out;
  out.payload = region.first(payload_len);
  out.next_header = region[enc_len - 1];
  out.seq = *seq;
  return out;
}

}  // namespace ainet::sa
