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
// and send on the new one at once when we asked for it (the response says
// the peer has it), else as soon as the peer is heard on it or the old one
// is deleted (§2.8: the responder waits), so no signaling packet is lost and
// a CREATE that crosses the rekey is keyed with the secret of the generation
// it travels on at both ends.
#include "core/engine.h"

namespace ainet::core {

Status Engine::pvt_sa_up(NodeId peer, const IpAddress& remote, const sa::SaConfig& out,
                         const sa::SaConfig& in, const Secret<32>& tvt_secret, bool peer_has_it) {
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
  // Bounded: a generation that kPvtMaxGenerations newer ones replace is long
  // superseded (its ChildSaDown is late or lost). ANTs keyed with its
  // secret keep their TVT SAs; only the key export (tvt_sas) loses it.
  if (p.gens.size() >= kPvtMaxGenerations) {
    ants_.remove_spi(p.gens.front().bundle.inbound_spi());
    p.gens.erase(p.gens.begin());
  }
  PvtGeneration g;
  g.bundle = std::move(*b);
  g.tvt_secret = tvt_secret;
  g.number = ++p.generations;
  g.confirmed = peer_has_it;
  p.gens.push_back(std::move(g));
  return Errc::ok;
}

Status Engine::pvt_sa_down(Time now, NodeId peer, uint32_t spi_in, Effects& fx) {
  const int pi = pvt_index(peer);
  if (pi < 0 || !pvts_[static_cast<size_t>(pi)].ike) return Errc::not_found;
  Pvt& p = pvts_[static_cast<size_t>(pi)];
  PvtGeneration* g = p.gen_by_spi(spi_in);
  if (!g) return Errc::not_found;
  ants_.remove_spi(spi_in);
  // Whatever is left is sent on (send_gen): the newest the peer has, else
  // the newest.
  p.gens.erase(p.gens.begin() + (g - p.gens.data()));
  // No generation left: nothing can cross the link any more.
  if (p.gens.empty() && p.up) pvt_down(now, static_cast<size_t>(pi), fx);
  return Errc::ok;
}

}  // namespace ainet::core
