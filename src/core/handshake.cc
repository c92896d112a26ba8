#include "core/handshake.h"

#include <cstring>
#include <string_view>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/hmac_once.h"

namespace ainet::core {
namespace {

using crypto::PublicKey;
using wire::kCreateBlobSize;
using wire::kCreatedBlobSize;
using wire::kCreatedSlotSize;
using wire::kCreateSlotSize;

// docs/protocol.md "Per-hop handshake": HKDF salts and the CREATED MAC label.
constexpr std::string_view kCreateSalt = "ainet-create-v1";
constexpr std::string_view kHopSalt = "ainet-hop-v1";
constexpr std::string_view kCreatedLabel = "ainet-created-v1";
constexpr size_t kCreateKeyLen = 64;   // slot_key || stream_key
constexpr size_t kHopKeyLen = 7 * 32;  // HopKeys, in field order

// CREATE slot: X(32) || AEAD(info)(64) || tag(16).
constexpr size_t kSlotOffCt = 32;
constexpr size_t kSlotOffTag = kSlotOffCt + kHopInfoSize;
static_assert(kSlotOffTag + crypto::kAeadTagSize == kCreateSlotSize);
static_assert(16 + kShapingWireSize == kHopInfoSize);  // shaping fills HopInfo bytes 16..63
// CREATED slot: Y(32) || auth(16) || status(1) || zero(15).
constexpr size_t kCreatedOffAuth = 32;
constexpr size_t kCreatedOffStatus = 48;
constexpr uint8_t kCreatedStatusOk = 0;

ByteSpan as_bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// The CREATE layer uses IV 0^16 and at most 49 counter blocks; the CREATED
// layer under the same stream key starts at counter 2^120, so the two
// keystreams never overlap (docs/protocol.md "CREATED blob").
constexpr std::array<uint8_t, 16> kCreateIv{};
constexpr std::array<uint8_t, 16> kCreatedIv{0x01};
constexpr std::array<uint8_t, crypto::kAeadNonceSize> kZeroNonce{};

[[nodiscard]] Errc ctr_xor(const Secret<32>& key, ByteSpan iv, MutByteSpan data) {
  auto c = crypto::Cipher::make(crypto::CipherAlg::aes256_ctr, key.span());
  if (!c) return c.error();
  return c->encrypt(iv, data, data);
}

// ck = HKDF(salt="ainet-create-v1", ikm=X25519(x,B), info=B||X, L=64).
[[nodiscard]] Errc derive_create_keys(const Secret<32>& xb, const PublicKey& b,
                                      const PublicKey& x_pub, Secret<32>& slot_key,
                                      Secret<32>& stream_key) {
  std::array<uint8_t, 64> info;
  std::memcpy(info.data(), b.data(), 32);
  std::memcpy(info.data() + 32, x_pub.data(), 32);
  Secret<kCreateKeyLen> okm;
  okm.resize(kCreateKeyLen);
  const Errc e = crypto::hkdf_sha256(as_bytes(kCreateSalt), xb.span(), info, okm.mut_span());
  if (e != Errc::ok) return e;
  slot_key.assign(okm.span().first(32));
  stream_key.assign(okm.span().subspan(32, 32));
  return Errc::ok;
}

// Hop keys = HKDF(salt="ainet-hop-v1", ikm=X25519(x,Y)||X25519(x,B),
//                 info=B||X||Y, L=224); auth_h = HMAC(auth, label||B||X||Y)[0..16].
[[nodiscard]] Errc derive_hop_keys(const Secret<32>& xy, const Secret<32>& xb, const PublicKey& b,
                                   const PublicKey& x_pub, const PublicKey& y_pub, HopKeys& keys,
                                   std::span<uint8_t, kCreatedAuthSize> auth) {
  Secret<64> ikm;
  ikm.resize(64);
  std::memcpy(ikm.data(), xy.data(), 32);
  std::memcpy(ikm.data() + 32, xb.data(), 32);
  std::array<uint8_t, 96> info;
  std::memcpy(info.data(), b.data(), 32);
  std::memcpy(info.data() + 32, x_pub.data(), 32);
  std::memcpy(info.data() + 64, y_pub.data(), 32);
  Secret<kHopKeyLen> okm;
  okm.resize(kHopKeyLen);
  Errc e = crypto::hkdf_sha256(as_bytes(kHopSalt), ikm.span(), info, okm.mut_span());
  if (e != Errc::ok) return e;
  Secret<32>* fields[] = {&keys.fwd_layer, &keys.bwd_layer, &keys.fwd_prp, &keys.bwd_prp,
                          &keys.auth,      &keys.e2e_fwd,   &keys.e2e_bwd};
  for (size_t i = 0; i < 7; ++i) fields[i]->assign(okm.span().subspan(32 * i, 32));
  // A key used once: the one-shot HMAC leaves the context cache to the SAs.
  return crypto::hmac_once(crypto::MacDigest::sha256, keys.auth.span(),
                           {as_bytes(kCreatedLabel), info}, auth);
}

// own_pub: the public key of priv; handing it over saves OpenSSL a second
// scalar multiplication per DH (crypto/kex.h).
[[nodiscard]] Errc dh(const crypto::PrivateKey& priv, const PublicKey& own_pub, ByteSpan peer,
                      Secret<32>& out) {
  out.resize(32);
  return crypto::x25519(priv.span(), own_pub, peer, out.mut_span());
}

[[nodiscard]] Errc write_created_slot(const CreatedReply& reply, MutByteSpan slot) {
  if (slot.size() != kCreatedSlotSize) return Errc::invalid_argument;
  std::memset(slot.data(), 0, slot.size());
  std::memcpy(slot.data(), reply.y_pub.data(), 32);
  std::memcpy(slot.data() + kCreatedOffAuth, reply.auth.data(), kCreatedAuthSize);
  slot[kCreatedOffStatus] = kCreatedStatusOk;
  return Errc::ok;
}

}  // namespace

HopInfoBytes encode_hop_info(const HopInfo& info) {
  HopInfoBytes b{};
  ByteWriter w(b);
  w.u8(static_cast<uint8_t>(info.kind));
  w.u8(info.flags);
  w.zeros(2);  // reserved
  w.u32(info.next);
  w.u32(info.hard_lifetime_s);
  w.u32(info.inactivity_s);
  encode_shaping(info.shaping, std::span<uint8_t, kShapingWireSize>(b.data() + 16, kShapingWireSize));
  return b;
}

Result<HopInfo> decode_hop_info(std::span<const uint8_t, kHopInfoSize> bytes) {
  ByteReader r(bytes);
  HopInfo info;
  const uint8_t kind = r.u8();
  info.flags = r.u8();
  r.skip(2);
  info.next = r.u32();
  info.hard_lifetime_s = r.u32();
  info.inactivity_s = r.u32();
  if (kind > static_cast<uint8_t>(HopKind::exit) || (info.flags & ~kHopFlagResponder) != 0)
    return Errc::malformed;
  auto shaping = decode_shaping(std::span<const uint8_t, kShapingWireSize>(bytes.data() + 16, kShapingWireSize));
  if (!shaping) return shaping.error();
  info.shaping = *shaping;
  info.kind = static_cast<HopKind>(kind);
  return info;
}

void EntranceHandshake::wipe() {
  for (auto& h : hops) {
    h.x.wipe();
    h.xb.wipe();
    h.stream_key.wipe();
    h.b.fill(0);
    h.x_pub.fill(0);
  }
  hop_count = 0;
}

Errc build_create(std::span<const HopTarget> hops, crypto::Rng& rng, EntranceHandshake& state,
                  MutByteSpan blob_out) {
  const size_t k = hops.size();
  if (k == 0 || k > wire::kMaxHops || blob_out.size() != kCreateBlobSize)
    return Errc::invalid_argument;
  state.wipe();
  state.hops.resize(k);
  state.hop_count = k;
  // Slots are built back to front: hop h's region of the blob that the
  // entrance controls is L_h = 896 - 112*h bytes (each earlier hop appends
  // 112 random bytes it chooses), which always holds the later hops' slots.
  const auto region = [](size_t h) { return kCreateBlobSize - kCreateSlotSize * h; };
  rng.fill(blob_out.subspan(kCreateSlotSize, region(k - 1) - kCreateSlotSize));
  for (size_t i = k; i-- > 0;) {
    auto& hs = state.hops[i];
    hs.b = hops[i].onion_key;
    crypto::X25519KeyPair eph;
    hs.xb.resize(32);
    Errc e = crypto::x25519_generate_shared(rng, hs.b, eph, hs.xb.mut_span());
    hs.x = eph.priv;
    hs.x_pub = eph.pub;
    if (e != Errc::ok) return state.wipe(), e;
    Secret<32> slot_key;
    e = derive_create_keys(hs.xb, hs.b, hs.x_pub, slot_key, hs.stream_key);
    if (e != Errc::ok) return state.wipe(), e;
    if (i + 1 < k) {
      // Hop i decrypts everything after its slot with CTR(stream_i, 0^16)
      // from keystream offset 0, so encrypt the later region the same way.
      MutByteSpan later = blob_out.subspan(kCreateSlotSize, region(i + 1));
      std::memmove(later.data(), blob_out.data(), later.size());
      e = ctr_xor(hs.stream_key, kCreateIv, later);
      if (e != Errc::ok) return state.wipe(), e;
    }
    MutByteSpan slot = blob_out.first(kCreateSlotSize);
    std::memcpy(slot.data(), hs.x_pub.data(), 32);
    auto aead = crypto::Aead::make(crypto::AeadAlg::chacha20_poly1305, slot_key.span());
    if (!aead) return state.wipe(), aead.error();
    // Single-use slot_key, so the all-zero nonce is never reused.
    e = aead->seal(kZeroNonce, {}, hops[i].info, slot.subspan(kSlotOffCt, kHopInfoSize),
                      slot.subspan(kSlotOffTag, crypto::kAeadTagSize));
    if (e != Errc::ok) return state.wipe(), e;
  }
  return Errc::ok;
}

Errc process_create(const crypto::X25519KeyPair& onion, ByteSpan blob_in, crypto::Rng& rng,
                    CreateProcessed& out, MutByteSpan blob_out) {
  auto key = crypto::X25519StaticKey::make(onion.priv.span(), onion.pub);
  if (!key) return key.error();
  return process_create(*key, blob_in, rng, out, blob_out);
}

Errc process_create(crypto::X25519StaticKey& onion, ByteSpan blob_in, crypto::Rng& rng,
                    CreateProcessed& out, MutByteSpan blob_out) {
  if (blob_in.size() != kCreateBlobSize || blob_out.size() != kCreateBlobSize)
    return Errc::invalid_argument;
  const bool in_place = blob_in.data() == blob_out.data();
  if (!in_place && blob_in.data() < blob_out.data() + blob_out.size() &&
      blob_out.data() < blob_in.data() + blob_in.size())
    return Errc::invalid_argument;
  PublicKey x_pub;
  std::memcpy(x_pub.data(), blob_in.data(), 32);
  Secret<32> xb;
  xb.resize(32);
  // A small-order X gives an all-zero secret (RFC 7748 §6.1): treat as tampered.
  if (onion.shared(x_pub, xb.mut_span()) != Errc::ok) return Errc::auth_failed;
  Secret<32> slot_key, stream_key;
  Errc e = derive_create_keys(xb, onion.pub(), x_pub, slot_key, stream_key);
  if (e != Errc::ok) return e;
  auto aead = crypto::Aead::make(crypto::AeadAlg::chacha20_poly1305, slot_key.span());
  if (!aead) return aead.error();
  HopInfoBytes info;
  if (aead->open(kZeroNonce, {}, blob_in.subspan(kSlotOffCt, kHopInfoSize),
                    blob_in.subspan(kSlotOffTag, crypto::kAeadTagSize), info) != Errc::ok) {
    secure_zero(info.data(), info.size());
    return Errc::auth_failed;
  }
  crypto::X25519KeyPair eph;  // y, wiped at scope end
  Secret<32> xy;
  xy.resize(32);
  if (crypto::x25519_generate_shared(rng, x_pub, eph, xy.mut_span()) != Errc::ok)
    return Errc::auth_failed;
  e = derive_hop_keys(xy, xb, onion.pub(), x_pub, eph.pub, out.keys, out.reply.auth);
  if (e != Errc::ok) return e;
  out.info = info;
  out.reply.y_pub = eph.pub;
  out.reply.stream_key = stream_key;
  // Peel one layer off the remaining 7 slots, shift them to the front, and
  // pad with 112 random bytes so the blob keeps its length.
  const size_t rest = kCreateBlobSize - kCreateSlotSize;
  if (in_place) {
    MutByteSpan tail = blob_out.subspan(kCreateSlotSize);
    e = ctr_xor(stream_key, kCreateIv, tail);
    std::memmove(blob_out.data(), tail.data(), rest);
  } else {
    auto c = crypto::Cipher::make(crypto::CipherAlg::aes256_ctr, stream_key.span());
    if (!c) return c.error();
    e = c->encrypt(kCreateIv, blob_in.subspan(kCreateSlotSize), blob_out.first(rest));
  }
  if (e != Errc::ok) return e;
  rng.fill(blob_out.subspan(rest));
  return Errc::ok;
}

Errc start_created(const CreatedReply& reply, crypto::Rng& rng, MutByteSpan blob) {
  if (blob.size() != kCreatedBlobSize) return Errc::invalid_argument;
  Errc e = write_created_slot(reply, blob.first(kCreatedSlotSize));
  if (e != Errc::ok) return e;
  rng.fill(blob.subspan(kCreatedSlotSize));
  // The exit adds its layer too, so its slot never crosses a link in clear.
  return ctr_xor(reply.stream_key, kCreatedIv, blob);
}

Errc wrap_created(const CreatedReply& reply, MutByteSpan blob) {
  if (blob.size() != kCreatedBlobSize) return Errc::invalid_argument;
  std::memmove(blob.data() + kCreatedSlotSize, blob.data(), kCreatedBlobSize - kCreatedSlotSize);
  Errc e = write_created_slot(reply, blob.first(kCreatedSlotSize));
  if (e != Errc::ok) return e;
  return ctr_xor(reply.stream_key, kCreatedIv, blob);
}

Errc open_created(EntranceHandshake& state, MutByteSpan blob, std::span<HopKeys> keys_out,
                  size_t* failed_hop) {
  const size_t k = state.hop_count;
  const auto fail = [&](size_t h, Errc e) {
    if (failed_hop) *failed_hop = h;
    for (size_t i = 0; i < k && i < keys_out.size(); ++i) keys_out[i] = HopKeys{};
    state.wipe();
    return e;
  };
  if (k == 0 || k > wire::kMaxHops || k > state.hops.size() || blob.size() != kCreatedBlobSize ||
      keys_out.size() < k)
    return fail(0, Errc::invalid_argument);
  for (size_t h = 0; h < k; ++h) {
    auto& hs = state.hops[h];
    // Hop h encrypted all 512 bytes it sent; every earlier hop shifted them
    // right by one slot, so its layer now covers bytes [64h, 512).
    MutByteSpan region = blob.subspan(h * kCreatedSlotSize);
    Errc e = ctr_xor(hs.stream_key, kCreatedIv, region);
    if (e != Errc::ok) return fail(h, e);
    const uint8_t* slot = region.data();
    if (slot[kCreatedOffStatus] != kCreatedStatusOk) return fail(h, Errc::auth_failed);
    PublicKey y_pub;
    std::memcpy(y_pub.data(), slot, 32);
    Secret<32> xy;
    if (dh(hs.x, hs.x_pub, y_pub, xy) != Errc::ok) return fail(h, Errc::auth_failed);
    std::array<uint8_t, kCreatedAuthSize> auth;
    e = derive_hop_keys(xy, hs.xb, hs.b, hs.x_pub, y_pub, keys_out[h], auth);
    if (e != Errc::ok) return fail(h, e);
    // auth_h proves the hop holds b_h and saw our X_h (constant-time compare).
    if (CRYPTO_memcmp(auth.data(), slot + kCreatedOffAuth, kCreatedAuthSize) != 0)
      return fail(h, Errc::auth_failed);
  }
  state.wipe();
  return Errc::ok;
}

}  // namespace ainet::core
