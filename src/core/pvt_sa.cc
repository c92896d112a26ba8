// IKE-keyed PVTs (docs/ike.md "PVTs"). The daemon runs the IKEv2 engine
// (src/ike) with the neighbouring AIN and hands each negotiated child SA
// here; the core never sees IKE itself. Each child SA is one generation of
// the PVT (pvt.h): its ESP SAs (UDP-encapsulated, RFC 3948, as every PVT on
// the udp carrier: no AH, docs/ike.md says why that loses nothing) and its
// tvt_secret, the 32 KEYMAT octets after both directions' ESP keys (RFC 7296
// §2.17 order; ike::ChildSaUp::extra_keymat).
//
// Rekeying (RFC 7296 §2.8, §1.3.3): the new child SA is announced before the
// old one is deleted. We keep accepting on the old one until its deletion,
// and send on the new one as soon as the peer is heard on it (it then has
// both halves) or the old one is deleted, so no signaling packet is lost and
// a CREATE that crosses the rekey is keyed with the secret of the generation
// it travels on at both ends.
#include "core/engine.h"

namespace ainet::core {

Status Engine::pvt_sa_up(NodeId peer, const IpAddress& remote, const sa::SaConfig& out,
                         const sa::SaConfig& in, const Secret<32>& tvt_secret) {
  const int pi = pvt_index(peer);
  if (pi < 0 || !pvts_[static_cast<size_t>(pi)].ike) return Errc::not_found;
  Pvt& p = pvts_[static_cast<size_t>(pi)];
  // The link is between directory addresses: ESP from anywhere else is
  // refused by open_tunnel anyway, so a child SA elsewhere is a mistake.
  if (remote != p.address) return Errc::invalid_argument;
  auto b = TunnelBundle::create_esp(out, in);
  if (!b) return b.error();
  if (!ants_.add_spi(b->inbound_spi(), {SpiRef::Kind::pvt, static_cast<size_t>(pi)}))
    return Errc::exists;
  // At most two generations: one that a third replaces is long superseded
  // (its ChildSaDown is late or lost). ANTs keyed with its secret keep
  // their TVT SAs; only the key export (tvt_sas) no longer has it.
  if (p.prev.keyed()) ants_.remove_spi(p.prev.bundle.inbound_spi());
  p.prev = std::move(p.cur);
  p.cur = PvtGeneration();
  p.cur.bundle = std::move(*b);
  p.cur.tvt_secret = tvt_secret;
  p.cur.number = ++p.generations;
  return Errc::ok;
}

Status Engine::pvt_sa_down(Time now, NodeId peer, uint32_t spi_in, Effects& fx) {
  const int pi = pvt_index(peer);
  if (pi < 0 || !pvts_[static_cast<size_t>(pi)].ike) return Errc::not_found;
  Pvt& p = pvts_[static_cast<size_t>(pi)];
  if (p.prev.keyed() && p.prev.bundle.inbound_spi() == spi_in) {
    ants_.remove_spi(spi_in);
    p.prev = PvtGeneration();
    return Errc::ok;
  }
  if (!p.cur.keyed() || p.cur.bundle.inbound_spi() != spi_in) return Errc::not_found;
  ants_.remove_spi(spi_in);
  // The newest deleted first (e.g. by the peer): the older one, if any, is
  // all that is left to send on until a new one comes up.
  p.cur = std::move(p.prev);
  p.prev = PvtGeneration();
  // No generation left: nothing can cross the link any more.
  if (!p.cur.keyed() && p.up) pvt_down(now, static_cast<size_t>(pi), fx);
  return Errc::ok;
}

}  // namespace ainet::core
