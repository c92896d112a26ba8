// SA creation, the outbound sequence counter, framing (outer IP header) and
// the counting wrappers around ESP/AH processing.
#include "sa/security_association.h"

#include "sa/tunnel_inner.h"
#include "wire/constants.h"

namespace ainet::sa {

namespace {

constexpr size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// make() takes an integrity key of exactly auth_key_size bytes (the KEYMAT
// size check) into an Hmac32, which holds 32 (RFC 4868 §2.1.1).
constexpr bool auth_keys_fit_hmac32() {
  for (const TransformInfo& i : kTransformInfos)
    if (i.auth_key_size > crypto::kSha256Size) return false;
  return true;
}
static_assert(auth_keys_fit_hmac32(), "every HMAC transform's key fits crypto::Hmac32");

}  // namespace

// Every relay hop holds four SAs (issue 10: memory per ANT hop); a new field
// should find room in the padding the layout leaves, or say why it costs.
static_assert(sizeof(SecurityAssociation) <= 160, "see the member layout in the header");

SecurityAssociation::~SecurityAssociation() = default;
SecurityAssociation::SecurityAssociation(SecurityAssociation&&) noexcept = default;
SecurityAssociation& SecurityAssociation::operator=(SecurityAssociation&&) noexcept = default;

Result<std::unique_ptr<SecurityAssociation>> SecurityAssociation::create(const SaConfig& config) {
  auto sa = make(config);
  if (!sa) return sa.error();
  return std::unique_ptr<SecurityAssociation>(new SecurityAssociation(std::move(*sa)));
}

SecurityAssociation::RareCounters& SecurityAssociation::rare_counters() {
  if (!rare_) rare_ = std::make_unique<RareCounters>();
  return *rare_;
}

SaCounters SecurityAssociation::counters() const {
  SaCounters c;
  if (inbound_only_) {
    c.packets_in = packets_;
    c.bytes_in = bytes_;
  } else {
    c.packets_out = packets_;
    c.bytes_out = bytes_;
  }
  if (rare_) {
    c.drops_in = rare_->drops_in;
    c.errors_out = rare_->errors_out;
    if (!inbound_only_) {
      c.packets_in = rare_->packets_in;
      c.bytes_in = rare_->bytes_in;
    }
  }
  return c;
}

Result<SecurityAssociation> SecurityAssociation::make(const SaConfig& config) {
  if (transform_info_entry(config.transform) == nullptr) return Errc::invalid_argument;
  const TransformInfo info = transform_info(config.transform);
  if (config.keymat.size() != info.keymat_size) return Errc::invalid_argument;
  // RFC 3948 carries ESP only, and AH always covers an IP header (RFC 4302 §3.3.3).
  if (info.protocol == Protocol::ah && config.framing != Framing::ip) return Errc::invalid_argument;
  if (config.framing == Framing::ip && config.local.family() != config.remote.family())
    return Errc::invalid_argument;
  if (!config.esn && config.initial_seq > UINT32_MAX) return Errc::invalid_argument;

  if (config.inbound_only && config.outbound_only) return Errc::invalid_argument;
  // An outbound-only SA never opens, so it keeps no replay bitmap (its
  // default-constructed window refuses every check()).
  ReplayWindow window;
  if (!config.outbound_only) {
    auto replay = ReplayWindow::create(config.replay_window, config.esn, config.initial_seq);
    if (!replay) return replay.error();
    window = std::move(*replay);
  }

  SecurityAssociation sa;
  sa.spi_ = config.spi;
  sa.transform_ = config.transform;
  sa.framing_ = config.framing;
  sa.esn_ = config.esn;
  sa.local_ = config.local;
  sa.remote_ = config.remote;
  sa.hop_limit_ = config.hop_limit;
  sa.flow_label_ = config.flow_label & 0xfffffU;
  sa.tunnel_policy_ = config.tunnel_policy;
  sa.last_seq_ = config.initial_seq;
  sa.replay_ = std::move(window);
  sa.inbound_only_ = config.inbound_only;
  sa.outbound_only_ = config.outbound_only;
  // A two-way SA counts what it opens in the side block: made now, so that
  // open() never allocates.
  if (!config.inbound_only && !config.outbound_only) sa.rare_ = std::make_unique<RareCounters>();

  const ByteSpan keymat = config.keymat.span();
  const ByteSpan enc_key = keymat.first(info.enc_key_size);
  // RFC 4106 §8.1 / RFC 7634 §4 / RFC 4543 §7.1: the salt is the last 4 bytes.
  if (info.salt_size) std::memcpy(sa.salt_, keymat.data() + info.enc_key_size, info.salt_size);
  // IKEv2 order (RFC 7296 §2.17): encryption key first, then integrity key.
  const ByteSpan auth_key = keymat.subspan(info.enc_key_size + info.salt_size, info.auth_key_size);

  const auto aead = [&](crypto::AeadAlg alg) -> Errc {
    auto a = crypto::Aead::make(alg, enc_key);
    if (!a) return a.error();
    sa.crypto_ = std::move(*a);
    return Errc::ok;
  };
  Errc e = Errc::ok;
  switch (config.transform) {
    case Transform::esp_aes128_gcm:
      e = aead(crypto::AeadAlg::aes128_gcm);
      break;
    case Transform::esp_aes256_gcm:
      e = aead(crypto::AeadAlg::aes256_gcm);
      break;
    case Transform::esp_chacha20_poly1305:
      e = aead(crypto::AeadAlg::chacha20_poly1305);
      break;
    case Transform::esp_aes128_cbc_hmac_sha256:
    case Transform::esp_aes256_cbc_hmac_sha256: {
      auto c = crypto::Cipher::make(config.transform == Transform::esp_aes128_cbc_hmac_sha256
                                        ? crypto::CipherAlg::aes128_cbc
                                        : crypto::CipherAlg::aes256_cbc,
                                    enc_key);
      if (!c) return c.error();
      auto m = crypto::Hmac32::make(auth_key);
      if (!m) return m.error();
      sa.crypto_ = std::make_unique<CbcHmac>(CbcHmac{std::move(*c), std::move(*m)});
      break;
    }
    case Transform::esp_aes128_gmac:
    case Transform::esp_aes256_gmac:
    case Transform::ah_aes128_gmac:
    case Transform::ah_aes256_gmac: {
      auto g = crypto::Gmac::make(enc_key);
      if (!g) return g.error();
      sa.crypto_ = std::move(*g);
      break;
    }
    case Transform::esp_null_hmac_sha256:
    case Transform::ah_hmac_sha256: {
      auto m = crypto::Hmac32::make(auth_key);
      if (!m) return m.error();
      sa.crypto_ = std::move(*m);
      break;
    }
  }
  if (e != Errc::ok) return e;
  return sa;
}

size_t SecurityAssociation::outer_len() const {
  return framing_ == Framing::ip ? wire::outer_header_len(remote_.family()) : 0;
}

size_t SecurityAssociation::ah_len(wire::IpFamily f) const {
  // RFC 4302 §2.6 / §3.3.3.2.1: the ICV field is padded so the AH header is a
  // multiple of 32 bits for IPv4 and 64 bits for IPv6. RFC 4543 §4 (errata
  // 3643): the GMAC Authentication Data is IV || tag, 4 bytes padding for IPv6.
  const size_t raw = wire::kAhFixedLen + info().iv_size + info().icv_size;
  return round_up(raw, f == wire::IpFamily::v6 ? 8 : 4);
}

size_t SecurityAssociation::esp_len(size_t payload_len) const {
  // RFC 4303 §2.4: payload + padding + the 2 trailer bytes must fill whole
  // cipher blocks (CBC) and end on a 4-byte boundary (all transforms).
  return wire::kEspHeaderLen + info().iv_size +
         round_up(payload_len + wire::kEspTrailerLen, info().block_size) + info().icv_size;
}

size_t SecurityAssociation::headroom() const {
  if (info().protocol == Protocol::ah) return outer_len() + ah_len(remote_.family());
  return outer_len() + wire::kEspHeaderLen + info().iv_size;
}

size_t SecurityAssociation::sealed_size(size_t payload_len) const {
  if (info().protocol == Protocol::ah) return outer_len() + ah_len(remote_.family()) + payload_len;
  return outer_len() + esp_len(payload_len);
}

wire::OuterHeaderSpec SecurityAssociation::default_outer() const {
  wire::OuterHeaderSpec spec;
  spec.src = local_;
  spec.dst = remote_;
  spec.protocol = static_cast<uint8_t>(info().protocol);
  spec.hop_limit = hop_limit_;
  spec.flow_label = flow_label_;
  // RFC 6864 §4.1: the ID of an atomic datagram (DF set) carries no meaning,
  // so seal_counted() fills it with random bits (see there).
  spec.dont_fragment = true;
  return spec;
}

Result<size_t> SecurityAssociation::seal(ByteSpan payload, uint8_t next_header, MutByteSpan out,
                                         crypto::Rng& rng) {
  return seal_counted(payload, next_header, default_outer(), out, rng);
}

Result<size_t> SecurityAssociation::seal_inner_packet(ByteSpan inner_ip, MutByteSpan out,
                                                      crypto::Rng& rng) {
  auto inner = parse_tunnel_inner(inner_ip);
  if (!inner) {
    ++at(rare_counters().errors_out, inner.error());
    return inner.error();
  }
  // Only the inner packet itself is carried, not any link-layer trailer.
  // Note: the default policy copies DF from the inner packet (RFC 4301
  // §5.1.2.1); the outer IPv4 ID is random either way (seal_counted()).
  return seal_for_inner(inner_ip.first(inner->total_len), wire::tunnel_next_header(inner->family),
                        inner->policy_input(), out, rng);
}

Result<size_t> SecurityAssociation::seal_for_inner(ByteSpan payload, uint8_t next_header,
                                                   const wire::IpPacketInfo& inner,
                                                   MutByteSpan out, crypto::Rng& rng) {
  wire::OuterHeaderSpec outer = default_outer();
  wire::apply_tunnel_policy(inner, tunnel_policy_, outer);
  return seal_counted(payload, next_header, outer, out, rng);
}

Result<size_t> SecurityAssociation::seal_counted(ByteSpan payload, uint8_t next_header,
                                                 const wire::OuterHeaderSpec& outer,
                                                 MutByteSpan out, crypto::Rng& rng) {
  auto refuse = [&](Errc e) -> Result<size_t> {
    ++at(rare_counters().errors_out, e);
    return e;
  };
  if (inbound_only_) return refuse(Errc::invalid_argument);  // no outbound state
  // Size checks come first so that a refused call burns no sequence number.
  const size_t total = sealed_size(payload.size());
  if (total > wire::kMaxIpPacketLen) return refuse(Errc::limit);
  if (out.size() < total) return refuse(Errc::buffer_too_small);
  // RFC 4303 §3.3.3 / RFC 4302 §3.3.2: the counter must not cycle.
  if (last_seq_ >= max_seq()) return refuse(Errc::seq_exhausted);
  const uint64_t seq = last_seq_ + 1;

  uint8_t iv_buf[16];
  ByteSpan iv;
  if (info().cbc) {
    rng.fill(MutByteSpan(iv_buf, info().iv_size));  // RFC 3602 §3: unpredictable IV
    iv = ByteSpan(iv_buf, info().iv_size);
  } else if (info().iv_size) {
    store_be64(iv_buf, seq);  // unique per key: the counter never repeats
    iv = ByteSpan(iv_buf, info().iv_size);
  }
  wire::OuterHeaderSpec spec = outer;
  if (framing_ == Framing::ip && remote_.is_v4()) {
    // RFC 6864 §4.2: a fragmentable datagram needs an ID that does not repeat
    // soon. RFC 6864 §4.1 lets an atomic datagram (DF set) carry any ID; a
    // constant 0 would make the first 8 header bytes identical on every link
    // of an ANT (version..fragment offset), so the ID is random in both cases.
    // Drawn in batches: one Rng call per packet cost more than the AEAD of a
    // 1400-byte packet (crypto/rng.h, Rng::u16_batched()).
    spec.ipv4_id = rng.u16_batched();
  }
  // The number is used from here on even if the cipher fails below: a
  // half-done seal must never lead to the same nonce being used twice.
  last_seq_ = seq;
  auto n = seal_at(seq, iv, payload, next_header, spec, out);
  if (!n) return refuse(n.error());
  ++packets_;
  bytes_ += payload.size();
  return n;
}

Result<size_t> SecurityAssociation::seal_at(uint64_t seq, ByteSpan iv, ByteSpan payload,
                                            uint8_t next_header,
                                            const wire::OuterHeaderSpec& outer, MutByteSpan out) {
  if (info().protocol == Protocol::ah) return ah_seal(seq, payload, next_header, outer, out);
  const size_t hdr = outer_len();
  auto n = esp_seal(seq, iv, payload, next_header, out.subspan(hdr));
  if (!n) return n.error();
  if (hdr) {
    wire::OuterHeaderSpec spec = outer;
    spec.payload_len = *n;
    auto h = wire::build_outer_header(spec, out);
    if (!h) return h.error();
  }
  return hdr + *n;
}

Result<OpenedPacket> SecurityAssociation::open(MutByteSpan packet) {
  auto r = open_uncounted(packet);
  if (!r) {
    ++at(rare_counters().drops_in, r.error());
    return r;
  }
  if (inbound_only_) {
    ++packets_;
    bytes_ += r->payload.size();
  } else {
    RareCounters& t = rare_counters();  // a two-way SA's: made in make()
    ++t.packets_in;
    t.bytes_in += r->payload.size();
  }
  return r;
}

Result<OpenedPacket> SecurityAssociation::open_uncounted(MutByteSpan packet) {
  if (outbound_only_) return Errc::invalid_argument;  // no inbound state
  if (info().protocol == Protocol::ah) return ah_open(packet);
  if (framing_ != Framing::ip) return esp_open(packet);
  // Framing::ip: the outer header is not covered by ESP; it is parsed only to
  // find the ESP header (RFC 4303 §3.4.1: reassembly happens before ESP).
  auto ip = wire::parse_ip_packet(packet);
  if (!ip) return ip.error();
  if (ip->is_fragment) return Errc::unsupported;
  if (ip->protocol != wire::kProtoEsp) return Errc::unsupported;
  auto r = esp_open(packet.subspan(ip->payload_offset, ip->total_len - ip->payload_offset));
  if (r) r->outer_tos = ip->tos;
  return r;
}

}  // namespace ainet::sa
