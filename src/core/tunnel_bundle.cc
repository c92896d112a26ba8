#include "core/tunnel_bundle.h"

namespace ainet::core {
namespace {

Result<std::unique_ptr<sa::SecurityAssociation>> make_sa(sa::Transform t, uint32_t spi,
                                                         const Bytes& key, sa::Framing framing,
                                                         const IpAddress& local,
                                                         const IpAddress& remote,
                                                         uint32_t replay_window) {
  sa::SaConfig c;
  c.spi = spi;
  c.transform = t;
  if (!c.keymat.assign(key)) return Errc::invalid_argument;
  c.framing = framing;
  c.replay_window = replay_window;
  c.local = local;
  c.remote = remote;
  return sa::SecurityAssociation::create(c);
}

uint64_t total_drops(const sa::SecurityAssociation* s) {
  if (!s) return 0;
  uint64_t n = 0;
  const sa::SaCounters c = s->counters();
  for (auto v : c.drops_in) n += v;
  return n;
}

}  // namespace

Result<TunnelBundle> TunnelBundle::create(Carrier carrier, const BundleKeys& out,
                                          const BundleKeys& in, const IpAddress& local,
                                          const IpAddress& remote, uint32_t replay_window) {
  TunnelBundle b;
  b.carrier_ = carrier;
  // ip carrier: ESP is bare (inside AH); AH builds the outer IP header.
  const auto esp_framing = carrier == Carrier::ip ? sa::Framing::bare : sa::Framing::udp;
  auto eo = make_sa(sa::Transform::esp_aes256_gcm, out.esp_spi, out.esp_key, esp_framing, local,
                    remote, replay_window);
  auto ei = make_sa(sa::Transform::esp_aes256_gcm, in.esp_spi, in.esp_key, esp_framing, local,
                    remote, replay_window);
  if (!eo) return eo.error();
  if (!ei) return ei.error();
  b.esp_out_ = std::move(*eo);
  b.esp_in_ = std::move(*ei);
  if (carrier == Carrier::ip) {
    auto ao = make_sa(sa::Transform::ah_hmac_sha256, out.ah_spi, out.ah_key, sa::Framing::ip, local,
                      remote, replay_window);
    auto ai = make_sa(sa::Transform::ah_hmac_sha256, in.ah_spi, in.ah_key, sa::Framing::ip, local,
                      remote, replay_window);
    if (!ao) return ao.error();
    if (!ai) return ai.error();
    b.ah_out_ = std::move(*ao);
    b.ah_in_ = std::move(*ai);
    auto bo = sa::Bundle::create(*b.ah_out_, *b.esp_out_);
    auto bi = sa::Bundle::create(*b.ah_in_, *b.esp_in_);
    if (!bo) return bo.error();
    if (!bi) return bi.error();
    b.out_ = *bo;
    b.in_ = *bi;
  }
  return b;
}

Result<TunnelBundle> TunnelBundle::create_esp(const sa::SaConfig& out, const sa::SaConfig& in) {
  if (out.framing != sa::Framing::udp || in.framing != sa::Framing::udp)
    return Errc::invalid_argument;
  auto eo = sa::SecurityAssociation::create(out);
  if (!eo) return eo.error();
  auto ei = sa::SecurityAssociation::create(in);
  if (!ei) return ei.error();
  TunnelBundle b;
  b.carrier_ = Carrier::udp;  // ESP alone in seal/open, as on the udp carrier
  b.esp_out_ = std::move(*eo);
  b.esp_in_ = std::move(*ei);
  return b;
}

uint32_t TunnelBundle::inbound_spi() const {
  return carrier_ == Carrier::ip ? ah_in_->spi() : esp_in_->spi();
}

Result<ByteSpan> TunnelBundle::seal(ByteSpan payload, uint8_t nh, MutByteSpan out,
                                    crypto::Rng& rng) {
  auto n = carrier_ == Carrier::udp ? esp_out_->seal(payload, nh, out, rng)
                                    : out_.seal(payload, nh, out, rng);
  if (!n) return n.error();
  return ByteSpan(out.first(*n));
}

Result<sa::OpenedPacket> TunnelBundle::open(MutByteSpan packet) {
  if (carrier_ == Carrier::udp) return esp_in_->open(packet);
  return in_.open(packet);
}

uint64_t TunnelBundle::drops() const {
  uint64_t n = total_drops(esp_in_.get()) + total_drops(ah_in_.get());
  for (auto v : in_.drops()) n += v;
  return n;
}

uint64_t TunnelBundle::packets_in() const {
  return esp_in_ ? esp_in_->counters().packets_in : 0;
}

}  // namespace ainet::core
