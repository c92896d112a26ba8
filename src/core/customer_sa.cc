// IKE-keyed customer tunnels (docs/ike.md "Customer tunnels"). The daemon
// runs the IKEv2 engine (src/ike) and hands each negotiated child SA here;
// the core never sees IKE itself. From then on the customer's ESP is opened
// by on_customer_packet like a manually keyed customer's, so its datagrams
// enter ANTs the same way (paper §4.4 step 2).
//
// Rekeying (RFC 7296 §2.8, §1.3.3): the new child SA is announced before the
// old one is deleted. We send on the newest at once and keep accepting on
// the replaced one until its deletion, so no packet in flight is lost.
#include "core/engine.h"

#include <cstring>

#include "wire/udp_encap.h"

namespace ainet::core {

int Engine::customer_index(uint32_t id) const {
  for (size_t i = 0; i < customers_.size(); ++i)
    if (customers_[i].cfg.id == id) return static_cast<int>(i);
  return -1;
}

Status Engine::customer_sa_up(uint32_t id, const IpAddress& remote, const sa::SaConfig& out,
                              const sa::SaConfig& in, std::vector<IpAddress> inner) {
  const int ci = customer_index(id);
  if (ci < 0 || !customers_[static_cast<size_t>(ci)].cfg.ike) return Errc::not_found;
  Customer& c = customers_[static_cast<size_t>(ci)];
  if (remote.family() != self_addr_.family()) return Errc::invalid_argument;
  auto b = TunnelBundle::create_esp(out, in);
  if (!b) return b.error();
  if (!ants_.add_spi(b->inbound_spi(), {SpiRef::Kind::customer, static_cast<size_t>(ci)}))
    return Errc::exists;
  // At most two generations: one that a third replaces is long since
  // superseded (its ChildSaDown is late or lost), so it goes now.
  if (c.previous.keyed()) ants_.remove_spi(c.previous.inbound_spi());
  c.previous = std::move(c.bundle);
  c.bundle = std::move(*b);
  // The IKE SA authenticated this address (after a NAT float it is the
  // newest one, RFC 7296 §2.23); ESP from anywhere else is refused.
  c.cfg.tunnel_address = remote;
  c.ike_inner = std::move(inner);
  return Errc::ok;
}

void Engine::handle_encap_packet(Time now, const IpAddress& src, ByteSpan packet, Effects& fx) {
  if (cfg_.carrier == Carrier::udp) return dispatch(now, src, packet, fx);
  ++stats_.packets_in;
  if (packet.size() > rx_.size()) return drop(Errc::limit);
  auto u = wire::classify_udp_encap(packet);
  if (!u) return drop(u.error());
  if (u->kind == wire::UdpEncapKind::keepalive) return;  // RFC 3948 §2.3: ignore
  if (u->kind != wire::UdpEncapKind::esp) return drop(Errc::unsupported);
  const SpiRef* ref = ants_.find_spi(load_be32(u->data.data()));
  // PVTs and TVTs are AH-protected on the ip carrier: their SPIs must not
  // be reachable without AH, so only an IKE customer's SPI counts here.
  if (!ref || ref->kind != SpiRef::Kind::customer || !customers_[ref->id].cfg.ike)
    return drop(Errc::unknown_spi);
  const size_t ci = ref->id;
  std::memcpy(rx_.data(), packet.data(), packet.size());
  on_customer_packet(now, ci, src, MutByteSpan(rx_.data(), packet.size()), fx);
}

Status Engine::customer_sa_down(uint32_t id, uint32_t spi_in) {
  const int ci = customer_index(id);
  if (ci < 0 || !customers_[static_cast<size_t>(ci)].cfg.ike) return Errc::not_found;
  Customer& c = customers_[static_cast<size_t>(ci)];
  if (c.previous.keyed() && c.previous.inbound_spi() == spi_in) {
    ants_.remove_spi(spi_in);
    c.previous = TunnelBundle();
    return Errc::ok;
  }
  if (c.bundle.keyed() && c.bundle.inbound_spi() == spi_in) {
    ants_.remove_spi(spi_in);
    // The current SA deleted first (e.g. by the peer): the older one, if any,
    // is all that is left to send on until a new one comes up.
    c.bundle = std::move(c.previous);
    c.previous = TunnelBundle();
    return Errc::ok;
  }
  return Errc::not_found;
}

std::optional<uint64_t> Engine::tunnel_packets_in(uint32_t spi_in) const {
  const SpiRef* ref = ants_.find_spi(spi_in);
  if (ref == nullptr || ref->kind != SpiRef::Kind::customer) return std::nullopt;
  const Customer& c = customers_[static_cast<size_t>(ref->id)];
  if (c.bundle.keyed() && c.bundle.inbound_spi() == spi_in) return c.bundle.packets_in();
  if (c.previous.keyed() && c.previous.inbound_spi() == spi_in) return c.previous.packets_in();
  return std::nullopt;
}

}  // namespace ainet::core
