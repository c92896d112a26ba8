// The ainctl views (docs/control.md) and the sa.txt key export (docs/pcap.md):
// read-only snapshots of the engine's tables.
#include <algorithm>
#include <tuple>

#include "core/engine.h"
#include "core/tvt_keys.h"

namespace ainet::core {

std::vector<AntInfo> Engine::ants() const {
  std::vector<AntInfo> out;
  out.reserve(ants_.size());
  for (const auto& [h, a] : ants_.all()) {
    AntInfo i;
    i.handle = h;
    i.role = a->role;
    i.up = a->up;
    if (a->role != Role::intermediate) {
      i.inner_src = a->inner_src;
      i.inner_dst = a->inner_dst;
    }
    if (a->role == Role::entrance) i.route = a->ent->route;
    if (a->role == Role::exit && a->bound) i.exit_src = a->exposed_src;
    if (a->role == Role::exit && a->deliver_to_responder)
      i.responder = customers_[a->responder].cfg.id;
    i.prev = a->prev_pvt >= 0 ? pvts_[a->prev_pvt].peer : 0;
    i.next = a->next_pvt >= 0 ? pvts_[a->next_pvt].peer : 0;
    i.spi_in_fwd = a->spi_in_fwd;
    i.spi_out_fwd = a->spi_out_fwd;
    i.spi_in_bwd = a->spi_in_bwd;
    i.spi_out_bwd = a->spi_out_bwd;
    i.packets_fwd = a->packets_fwd;
    i.packets_bwd = a->packets_bwd;
    i.bytes_fwd = a->bytes_fwd;
    i.bytes_bwd = a->bytes_bwd;
    i.datagram_bytes_fwd = a->datagram_bytes_fwd;
    i.datagram_bytes_bwd = a->datagram_bytes_bwd;
    i.created = a->created;
    i.last_active = a->last_active;
    i.cover = a->cover;
    if (a->shaped && a->role != Role::intermediate) {
      const AntShaping& s = *a->shaped;
      i.shaping = s.profile;
      i.shaping_rate = s.shaper.rate(s.profile);
      i.cells_real = s.shaper.real_sent;
      i.cells_dummy = s.shaper.dummy_sent;
      i.queue_drops = s.shaper.queue_drops;
      i.queued = s.queue.size;
      i.level_changes = s.shaper.level_changes;
    }
    out.push_back(std::move(i));
  }
  std::sort(out.begin(), out.end(),
            [](const AntInfo& x, const AntInfo& y) { return x.handle < y.handle; });
  return out;
}

EngineStats Engine::stats() const {
  EngineStats s = stats_;
  s.drops = drops_;
  if (verifier_) s.tickets = verifier_->stats();
  if (issuer_) s.tickets_issued = issuer_->stats();
  s.ants_by_role = ants_.role_counts();
  s.ant_totals = ants_.totals();
  return s;
}

std::vector<PvtInfo> Engine::pvts() const {
  std::vector<PvtInfo> out;
  for (size_t i = 0; i < pvts_.size(); ++i) {
    const Pvt& p = pvts_[i];
    PvtInfo v;
    v.peer = p.peer;
    v.address = p.address;
    v.up = p.up;
    v.packets_in = p.packets_in;
    v.packets_out = p.packets_out;
    v.drops = p.drops;
    v.bytes_in = p.bytes_in;
    v.bytes_out = p.bytes_out;
    if (p.ever_heard) v.last_heard = p.last_rx;
    v.ike = p.ike;
    v.generation = p.newest() ? p.newest()->number : 0;
    v.generations_live = static_cast<uint32_t>(p.gens.size());
    if (const PvtGeneration* g = p.send_gen()) {
      v.spi_in = g->bundle.inbound_esp_spi();
      v.spi_out = g->bundle.outbound_esp_spi();
      v.seq_out = g->bundle.last_sent_seq();
    }
    for (const auto& [h, a] : ants_.all())
      if (a->prev_pvt == static_cast<int>(i) || a->next_pvt == static_cast<int>(i)) ++v.ants;
    out.push_back(v);
  }
  return out;
}

std::vector<CustomerInfo> Engine::customers() const {
  std::vector<CustomerInfo> out;
  for (size_t i = 0; i < customers_.size(); ++i) {
    const Customer& c = customers_[i];
    CustomerInfo v;
    v.id = c.cfg.id;
    v.name = c.cfg.name;
    v.tunnel_address = c.cfg.tunnel_address;
    v.packets_in = c.packets_in;
    v.packets_out = c.packets_out;
    v.drops = c.drops;
    v.shaping = cfg_.shaping.customer;
    v.cells_real = c.shaper.real_sent;
    v.cells_dummy = c.shaper.dummy_sent;
    v.queue_drops = c.shaper.queue_drops;
    v.queued = c.queue.size;
    v.dummies_in = c.dummies_in;
    for (const auto& [h, a] : ants_.all())
      if ((a->role == Role::entrance && !a->cover && a->customer == i) ||
          (a->role == Role::exit && a->deliver_to_responder && a->responder == i))
        ++v.ants;
    out.push_back(v);
  }
  return out;
}

StateCounts Engine::state_counts() const {
  StateCounts s;
  s.ants = ants_.size();
  s.spis = ants_.spi_count();
  s.entrance_flows = ants_.entrance_count();
  s.exit_flows = ants_.exit_count();
  s.pool_addresses = pool_.size();
  s.timers = timers_.size();
  s.shaped_flows = slots_.size();
  s.queued = cell_pool_.in_use();
  for (const auto& [h, a] : ants_.all())
    s.tvt_sas += 2 * (size_t{a->tvt_prev != nullptr} + size_t{a->tvt_next != nullptr});
  return s;
}

std::vector<TvtSaInfo> Engine::tvt_sas(bool with_keys) const {
  std::vector<TvtSaInfo> out;
  for (const auto& [h, a] : ants_.all()) {
    // The TVT to the previous AIN (in_fwd, out_bwd) and to the next (out_fwd,
    // in_bwd); the SPIs in the key derivation are the ones CREATE carried
    // (tvt_keys.h), i.e. (fwd, bwd) of the same link.
    struct Link {
      int pvt;
      const TvtSas* tvt;
      bool fwd_inbound;
    };
    const Link links[] = {{a->prev_pvt, a->tvt_prev.get(), true}, {a->next_pvt, a->tvt_next.get(), false}};
    for (const Link& l : links) {
      if (l.pvt < 0 || !l.tvt) continue;
      const Pvt& p = pvts_[static_cast<size_t>(l.pvt)];
      TvtKeys k;
      // The generation that keyed this TVT; gone after two rekeys (no key then).
      const PvtGeneration* g = p.gen_by_number(l.tvt->pvt_gen);
      const bool keys = with_keys && g &&
                        ok(derive_tvt_keys(cfg_.tvt_integrity, g->tvt_secret.span(), l.tvt->nonce,
                                           l.tvt->fwd.spi(), l.tvt->bwd.spi(), k));
      for (bool forward : {true, false}) {
        const sa::SecurityAssociation& s = forward ? l.tvt->fwd : l.tvt->bwd;
        TvtSaInfo i;
        i.ant = h;
        i.peer = p.peer;
        i.forward = forward;
        i.inbound = forward == l.fwd_inbound;
        i.spi = s.spi();
        i.src = i.inbound ? p.address : self_addr_;
        i.dst = i.inbound ? self_addr_ : p.address;
        i.carrier = cfg_.carrier;
        i.integrity = cfg_.tvt_integrity;
        i.seq = i.inbound ? s.replay_window().top() : s.last_sent_seq();
        if (keys) i.key = forward ? k.fwd : k.bwd;
        out.push_back(std::move(i));
      }
    }
  }
  std::sort(out.begin(), out.end(), [](const TvtSaInfo& x, const TvtSaInfo& y) {
    return std::tie(x.ant, x.peer, x.spi) < std::tie(y.ant, y.peer, y.spi);
  });
  return out;
}

}  // namespace ainet::core
