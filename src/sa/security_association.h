// One unidirectional IPsec security association (RFC 4301 §4.1): ESP
// (RFC 4303) or AH (RFC 4302), tunnel mode, with its keys, its outbound
// sequence counter, its inbound anti-replay window and its counters.
//
// Packet path rules:
//  * seal() and open() do not allocate per packet: the caller owns the
//    buffers, the replay bitmap is created in create() (unless the SA is
//    outbound_only, which never opens) and the keyed cipher
//    contexts come from the thread's cache (crypto/context_cache.h). The
//    outer IPv4 IDs come from the caller's Rng (Rng::u16_batched(), no
//    per-SA pool).
//    The per-reason drop/refusal counters are allocated once, at the first
//    drop or refusal of the SA, so that the many SAs that never drop do not
//    carry them (issue 10: ~1.5 KB per ANT hop); later drops never allocate.
//    A two-way SA (neither inbound_only nor outbound_only) gets that block
//    in create(), since it counts its opened packets there.
//    (OpenSSL 3.0's HMAC mallocs inside libcrypto per MAC; see
//    tests/unit/sa/no_allocation_test.cc and src/crypto/hmac.cc.)
//  * open() works in place on the caller's buffer and returns a span of it.
//  * Inbound order (RFC 4303 §3.4, RFC 4302 §3.4): length check → SPI check →
//    replay pre-check → ICV/AEAD verify → replay window update → padding check
//    → next header. Each failure is counted in counters().drops_in[errc].
//  * IV choice (RFC 4106 §3.1 / RFC 7634 §2 / RFC 4543 §3.1 allow any value
//    that never repeats under one key): for AES-GCM, ChaCha20-Poly1305 and
//    AES-GMAC the 8-byte IV is the 64-bit sequence number, which is unique
//    per SA because the counter never wraps. For AES-CBC the 16-byte IV is
//    drawn from the injected Rng, since RFC 3602 §3 requires it unpredictable.
//  * The sequence counter never cycles (RFC 4303 §3.3.3, RFC 4302 §3.3.2):
//    after 2^32-1 (2^64-1 with ESN) seal() returns Errc::seq_exhausted.
#pragma once
#include <cstdint>
#include <memory>
#include <variant>

#include "crypto/aead.h"
#include "crypto/cipher.h"
#include "crypto/gmac.h"
#include "crypto/hmac.h"
#include "crypto/rng.h"
#include "sa/replay_window.h"
#include "sa/sa_config.h"
#include "sa/sa_counters.h"
#include "util/bytes.h"
#include "util/result.h"

namespace ainet::sa {

// What open() hands back: a view into the caller's buffer.
struct OpenedPacket {
  MutByteSpan payload;      // the protected payload (tunnel mode: the inner IP packet)
  uint8_t next_header = 0;  // 4/41 inner IP, 50 ESP (bundle), 253 onion cell, 59 dummy
  uint64_t seq = 0;         // full (ESN-inferred) sequence number
  uint8_t outer_tos = 0;    // outer TOS/traffic class (Framing::ip), for ECN decap
};

class SecurityAssociation {
 public:
  // Checks the config (KEYMAT size, framing vs protocol, endpoint families,
  // replay window size) and keys the cipher contexts once.
  static Result<std::unique_ptr<SecurityAssociation>> create(const SaConfig& config);
  // The same by value, for SAs kept inside larger state (the two SAs of a
  // TVT share one block per ANT hop, core/ant_table.h; issue 10). A moved SA
  // keeps its keys, counters and window; the moved-from one is unkeyed.
  static Result<SecurityAssociation> make(const SaConfig& config);
  ~SecurityAssociation();
  SecurityAssociation(SecurityAssociation&&) noexcept;
  SecurityAssociation& operator=(SecurityAssociation&&) noexcept;
  SecurityAssociation(const SecurityAssociation&) = delete;
  SecurityAssociation& operator=(const SecurityAssociation&) = delete;

  uint32_t spi() const { return spi_; }
  Transform transform() const { return transform_; }
  Protocol protocol() const { return info().protocol; }
  Framing framing() const { return framing_; }
  bool esn() const { return esn_; }
  // A snapshot (the per-reason tables are kept apart until first needed).
  SaCounters counters() const;
  const ReplayWindow& replay_window() const { return replay_; }
  // The last sequence number sent (initial_seq before the first seal).
  uint64_t last_sent_seq() const { return last_seq_; }
  bool seq_exhausted() const { return last_seq_ == max_seq(); }

  // Bytes seal() writes in front of the payload (outer header, ESP header and
  // IV, or AH header). A payload already placed at out[headroom()] is sealed
  // without a copy.
  size_t headroom() const;
  // Total bytes seal() writes for a payload of payload_len bytes.
  size_t sealed_size(size_t payload_len) const;

  // Seals `payload` with the given next header (e.g. 4/41 for an inner IP
  // packet, 253 for an onion cell, 50 for ESP inside AH) and writes the framed
  // result to `out`; returns its length. rng is used for CBC IVs and for the
  // outer IPv4 ID (random on every packet, RFC 6864 §4.1/§4.2; drawn with
  // rng.u16_batched(), i.e. one rng call per Rng::kU16Batch IDs of all the
  // SAs that share the rng).
  // Errors: buffer_too_small, seq_exhausted, limit (too big for an IP packet),
  // crypto_error. A call refused for size or exhaustion consumes no sequence
  // number; a cipher failure does (so a nonce is never reused).
  Result<size_t> seal(ByteSpan payload, uint8_t next_header, MutByteSpan out, crypto::Rng& rng);
  // Tunnel mode: seals an inner IPv4/IPv6 packet (next header 4 or 41 from
  // its version). With Framing::ip the outer header gets the inner packet's
  // ECN/DF/DSCP per the SA's TunnelPolicy (RFC 4301 §5.1.2.1). The inner IP
  // header is checked by parse_tunnel_inner() (sa/tunnel_inner.h: lengths,
  // IPv4 checksum; no IPv6 extension-header walk); a refusal is counted.
  Result<size_t> seal_inner_packet(ByteSpan inner_ip, MutByteSpan out, crypto::Rng& rng);
  // seal() whose outer header (Framing::ip) takes ECN/DF/DSCP from `inner`
  // per the TunnelPolicy; used when the payload wraps an inner packet
  // indirectly (e.g. the AH of an ESP-in-AH bundle).
  Result<size_t> seal_for_inner(ByteSpan payload, uint8_t next_header,
                                const wire::IpPacketInfo& inner, MutByteSpan out,
                                crypto::Rng& rng);

  // Opens one framed packet in place (Framing::ip: the whole outer IP
  // packet; udp: the UDP payload; bare: the ESP packet). The returned payload
  // points into `packet`; on error the buffer content is unspecified.
  Result<OpenedPacket> open(MutByteSpan packet);

 private:
  friend class SecurityAssociationTestPeer;  // KAT access to seal_at()
  template <typename>
  friend class ainet::Result;  // the (never used) value of an error Result
  SecurityAssociation() = default;

  uint64_t max_seq() const { return esn_ ? UINT64_MAX : UINT32_MAX; }
  size_t outer_len() const;  // outer IP header length for Framing::ip, else 0
  // AH header + ICV field incl. RFC 4302 §2.6 padding for an outer header of family f.
  size_t ah_len(wire::IpFamily f) const;
  size_t esp_len(size_t payload_len) const;

  // seal() with the sequence number and (for ESP) IV chosen by the caller.
  Result<size_t> seal_at(uint64_t seq, ByteSpan iv, ByteSpan payload, uint8_t next_header,
                         const wire::OuterHeaderSpec& outer, MutByteSpan out);
  Result<size_t> seal_counted(ByteSpan payload, uint8_t next_header,
                              const wire::OuterHeaderSpec& outer, MutByteSpan out,
                              crypto::Rng& rng);
  wire::OuterHeaderSpec default_outer() const;
  Result<OpenedPacket> open_uncounted(MutByteSpan packet);
  // Counters most SAs never touch, in a block of their own: the per-reason
  // drops and refusals (made at the first one), and a two-way SA's inbound
  // totals (made with the SA).
  struct RareCounters {
    ErrcCounters drops_in{};
    ErrcCounters errors_out{};
    uint64_t packets_in = 0, bytes_in = 0;  // a two-way SA's opened packets
  };
  RareCounters& rare_counters();

  // ESP (esp_processing.cc)
  Result<size_t> esp_seal(uint64_t seq, ByteSpan iv, ByteSpan payload, uint8_t next_header,
                          MutByteSpan out);
  Result<OpenedPacket> esp_open(MutByteSpan esp);
  // AH (ah_processing.cc)
  Result<size_t> ah_seal(uint64_t seq, ByteSpan payload, uint8_t next_header,
                         const wire::OuterHeaderSpec& outer, MutByteSpan out);
  Result<OpenedPacket> ah_open(MutByteSpan packet);
  // Computes (expected empty) or verifies (expected = received tag) the AH
  // ICV of a complete packet whose AH header starts at ip_header_len.
  [[nodiscard]] Errc ah_icv(ByteSpan packet, size_t ip_header_len, uint64_t seq, MutByteSpan icv_out,
                            ByteSpan expected);

  // The table entry of transform_ (static storage; no pointer kept per SA).
  const TransformInfo& info() const { return kTransformInfos[static_cast<size_t>(transform_)]; }

  // Members are ordered, and the two that end in padding are
  // [[no_unique_address]], so that the one-byte fields fill that padding:
  // 160 bytes per SA, 4 SAs per relay hop (issue 10, memory per ANT hop;
  // security_association.cc checks the size).
  uint32_t spi_ = 0;
  uint32_t flow_label_ = 0;
  wire::IpAddress local_;
  wire::IpAddress remote_;
  wire::TunnelPolicy tunnel_policy_;
  uint8_t hop_limit_ = 0;
  Transform transform_{};
  Framing framing_ = Framing::ip;

  // The keyed primitive(s) of the transform, held by value (key bytes and a
  // context-cache id, no heap block each; issue 10): GCM/ChaCha20-Poly1305
  // an Aead, AES-GMAC a Gmac, HMAC-SHA-256-128 (AH, ESP-NULL) an Hmac32
  // (its key is 32 bytes, RFC 4868 §2.1.1, so no larger than the others). The
  // rare AES-CBC + HMAC pair is the one alternative kept in its own block,
  // so that it does not make every SA as large as both keys.
  struct CbcHmac {
    crypto::Cipher cipher;
    crypto::Hmac32 hmac;
  };
  [[no_unique_address]] std::variant<std::monostate, crypto::Aead, crypto::Gmac, crypto::Hmac32,
                                     std::unique_ptr<CbcHmac>>
      crypto_;
  crypto::Aead* aead() { return std::get_if<crypto::Aead>(&crypto_); }
  crypto::Gmac* gmac() { return std::get_if<crypto::Gmac>(&crypto_); }
  crypto::Cipher* cipher() {
    auto* p = std::get_if<std::unique_ptr<CbcHmac>>(&crypto_);
    return p ? &(*p)->cipher : nullptr;
  }
  crypto::Hmac32* hmac() {
    if (auto* m = std::get_if<crypto::Hmac32>(&crypto_)) return m;
    auto* p = std::get_if<std::unique_ptr<CbcHmac>>(&crypto_);
    return p ? &(*p)->hmac : nullptr;
  }
  // In the variant's tail padding.
  uint8_t salt_[4] = {};
  bool esn_ = false;
  bool inbound_only_ = false;
  bool outbound_only_ = false;

  uint64_t last_seq_ = 0;
  [[no_unique_address]] ReplayWindow replay_;
  // Packets and payload bytes in the SA's one direction: sealed by an
  // outbound-only SA, opened by an inbound-only one. An SA that does both
  // (tests, interop tools) counts here what it seals and in its side block
  // what it opens; that block is made with the SA, so no packet allocates.
  uint64_t packets_ = 0, bytes_ = 0;
  std::unique_ptr<RareCounters> rare_;  // null until needed (see RareCounters)
};

}  // namespace ainet::sa
