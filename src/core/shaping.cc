// Traffic shaping (paper §5.4 "Dummy Traffic" and "Packet Padding";
// docs/protocol.md "Shaping"):
//   - a shaped ANT sends one cell per slot of its profile: the entrance
//     forward, the exit backward (told the profile in its CREATE slot). A
//     slot with no real datagram waiting carries a dummy cell, built exactly
//     like a data cell (same length, same TVT and SPI, same sequence
//     numbering, every onion layer), so neither an observer of a link nor an
//     intermediate AIN can tell the two apart; only the far end, after
//     removing the last layer, sees the type and drops the dummy;
//   - the customer link, AIN -> customer, the same way with ESP dummy
//     packets (next header 59, RFC 4303 §2.6), and every customer-tunnel
//     packet TFC-padded to one length (RFC 4303 §2.7);
//   - cover ANTs: shaped ANTs this AIN builds, carrying only dummies, so
//     that each of its PVT links carries at least [shaping] cover_ants ANTs
//     and an idle link looks like a busy one.
#include <cstring>

#include "core/engine.h"
#include "core/onion.h"
#include "core/route_selection.h"
#include "wire/constants.h"
#include "wire/ip_packet.h"

namespace ainet::core {

using Role = AntInfo::Role;

namespace {

// A random phase below one period, so flows started at one instant (e.g. a
// customer's ANTs after a burst) do not send in lockstep.
Duration random_phase(const ShapingProfile& p, crypto::Rng& rng) {
  const int64_t per = p.period(0).ns;
  return Duration{static_cast<int64_t>(rng.u64() % static_cast<uint64_t>(per))};
}

}  // namespace

void Engine::shaping_start(Time now, Ant& a, const ShapingProfile& p) {
  if (!p.shaped()) return;
  if (cell_pool_.capacity() == 0)  // sized once, at the first shaped flow
    cell_pool_ = CellQueuePool(cfg_.shaping.pool, max_datagram_);
  // Set-up time, not the data path: the state is allocated here, once.
  if (!a.shaped) a.shaped = std::make_unique<AntShaping>();
  AntShaping& s = *a.shaped;
  s.profile = p;
  s.shaper.start(p, now, random_phase(p, rng_));
  slots_.set(a.handle, s.shaper.next);
}

void Engine::shaping_stop(Ant& a) {
  slots_.remove(a.handle);
  if (a.shaped) cell_pool_.clear(a.shaped->queue);
}

void Engine::shaping_enqueue(Ant& a, ByteSpan dgram) {
  AntShaping& s = *a.shaped;
  s.shaper.offer();
  if (s.queue.size >= cfg_.shaping.queue || !cell_pool_.push(s.queue, dgram)) {
    ++s.shaper.queue_drops;
    ++stats_.queue_drops;
    drop(Errc::limit);
  }
}

void Engine::run_slots(Time now, Effects& fx) {
  // Bounded: every slot moves its flow's next slot forward by a period, and
  // a flow behind by more than FlowShaper::kMaxCatchUp slots re-anchors
  // after now.
  while (auto key = slots_.due(now)) {
    if (*key & kCustomerSlot) {
      customer_slot(now, static_cast<size_t>(*key & ~kCustomerSlot), fx);
    } else if (Ant* a = ants_.find(*key)) {
      ant_slot(now, *a, fx);
    } else {
      slots_.remove(*key);  // unreachable: remove_ant() removes its slot
    }
  }
}

void Engine::ant_slot(Time now, Ant& a, Effects& fx) {
  AntShaping& s = *a.shaped;  // only shaped ANTs have a slot
  const bool real = !s.queue.empty();
  const CellType type = real ? CellType::data : CellType::dummy;
  const ByteSpan dgram = real ? cell_pool_.front(s.queue) : ByteSpan{};
  const bool forward = a.role == Role::entrance;
  // Paper Fig. 7: dummies get every layer too (onion.h).
  const bool wrapped = wrap_cell(now, a, forward, type, dgram);  // counts its drop
  if (real) cell_pool_.pop(s.queue);
  if (wrapped && forward) {
    ++a.packets_fwd;
    a.bytes_fwd += cell_.size();
    seal_and_send_tvt(*a.sa_out_fwd(), static_cast<size_t>(a.next_pvt), cell_, fx);
  } else if (wrapped) {
    ++a.packets_bwd;
    a.bytes_bwd += cell_.size();
    seal_and_send_tvt(*a.sa_out_bwd(), static_cast<size_t>(a.prev_pvt), cell_, fx);
  }
  if (real) {
    ++s.shaper.real_sent;
  } else {
    ++s.shaper.dummy_sent;
    ++stats_.dummy_cells_sent;
  }
  s.shaper.advance(s.profile, now, s.queue.size);
  slots_.set(a.handle, s.shaper.next);
}

void Engine::customer_slot(Time now, size_t ci, Effects& fx) {
  Customer& c = customers_[ci];
  if (!c.queue.empty()) {
    const ByteSpan d = cell_pool_.front(c.queue);
    const uint8_t nh = (d[0] >> 4) == 6 ? wire::kProtoIpv6 : wire::kProtoIpv4;
    seal_to_customer(c, d, nh, fx);
    cell_pool_.pop(c.queue);
    ++c.shaper.real_sent;
  } else {
    seal_to_customer(c, {}, wire::kProtoNoNext, fx);  // RFC 4303 §2.6 dummy
    ++c.shaper.dummy_sent;
    ++stats_.customer_dummies_out;
  }
  c.shaper.advance(cfg_.shaping.customer, now, c.queue.size);
  slots_.set(kCustomerSlot | ci, c.shaper.next);
}

void Engine::seal_to_customer(Customer& c, ByteSpan payload, uint8_t nh, Effects& fx) {
  // RFC 4303 §2.7: TFC padding after the datagram (whose own length field
  // tells the receiver where it ends) up to one size for every packet. A
  // dummy always has that size, so with shaping but no padding it still
  // looks like a full-size packet.
  if (cfg_.shaping.pad_customer || nh == wire::kProtoNoNext) {
    // (A dummy has no payload: memcpy from its null data pointer is UB.)
    if (!payload.empty()) std::memcpy(pad_.data(), payload.data(), payload.size());
    std::memset(pad_.data() + payload.size(), 0, pad_.size() - payload.size());
    payload = pad_;
  }
  if (!c.bundle.keyed()) {
    // An IKE customer without a child SA yet (or any more): nothing can
    // reach it; a dummy for it is simply not sent.
    if (nh != wire::kProtoNoNext) drop(Errc::not_found);
    return;
  }
  auto out = c.bundle.seal(payload, nh, tx_, rng_);
  if (!out) return drop(out.error());
  ++c.packets_out;
  ++stats_.packets_out;
  // An IKE customer's child SA is ESP in UDP on either carrier (docs/ike.md).
  if (c.cfg.ike)
    fx.send_encap_packet(c.cfg.tunnel_address, *out);
  else
    fx.send_packet(c.cfg.tunnel_address, *out);
}

// ---------------------------------------------------------------- cover ----

void Engine::cover_check(Time now, Effects& fx) {
  // Jittered period, so cover ANTs of neighbouring AINs are not built in
  // step and a new ANT on a link is not a clock tick.
  const int64_t base = cfg_.keepalive_interval.ns;
  t_cover_ = timers_.schedule(
      now + Duration{base + static_cast<int64_t>(rng_.u64() % static_cast<uint64_t>(base))},
      {TimerKind::cover, 0});
  std::vector<size_t> on_link(pvts_.size(), 0);
  for (const auto& [h, a] : ants_.all()) {
    if (a->prev_pvt >= 0) ++on_link[static_cast<size_t>(a->prev_pvt)];
    if (a->next_pvt >= 0) ++on_link[static_cast<size_t>(a->next_pvt)];
  }
  // With tickets on, a cover ANT needs one like any other ANT.
  if (cfg_.tickets.enabled && !issuer_) return;
  std::vector<NodeId> exits;
  for (const AinEntry& e : dir_->entries())
    if (e.id != cfg_.self && e.is_exit()) exits.push_back(e.id);
  if (exits.empty()) return;
  for (size_t pi = 0; pi < pvts_.size(); ++pi) {
    // At most one new cover ANT per link per check: set-up is spread out.
    if (on_link[pi] >= cfg_.shaping.cover_ants || !pvts_[pi].up) continue;
    if (ants_.size() >= cfg_.max_ants) return;
    const NodeId first = pvts_[pi].peer;
    // Like a customer's ANT: route_length AINs ending at an exit, here one
    // drawn at random, first hop over this link.
    const NodeId exit = exits[rng_.u64() % exits.size()];
    auto route = pick_route_to_exit(
        *dir_, cfg_.self, exit, cfg_.route_length, rng_, [&](NodeId id) {
          if (id == cfg_.self) return false;
          if (id == first) return true;
          return !dir_->has_edge(cfg_.self, id) && usable(id, nullptr, now);
        });
    if (!route || (*route)[1] != first) continue;
    Ant& a = ants_.add(Role::entrance, now);
    a.cover = true;
    a.ent->shaping = cfg_.shaping.ant;
    a.lifetime = cfg_.ant_lifetime;
    a.idle = cfg_.inactivity_timeout;
    a.ent->pinned_route = std::move(*route);
    arm_lifetime(now, a);
    ++stats_.cover_ants_built;
    if (!ok(attempt_route(now, a, fx))) remove_ant(a);
  }
}

}  // namespace ainet::core
