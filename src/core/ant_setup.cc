// The entrance builds an ANT (paper §4.3, Fig. 1; docs/protocol.md "Roles
// and route"): the first datagram of a customer (or ainctl) starts it, a
// route is picked, one nested CREATE goes out, and a failed or timed-out
// attempt is retried on another route that avoids the failed AINs.
#include <functional>

#include "core/engine.h"
#include "core/handshake.h"
#include "core/onion.h"
#include "core/route_selection.h"

namespace ainet::core {

namespace {

uint32_t seconds(Duration d) {
  const int64_t s = (d.ns + 999'999'999) / 1'000'000'000;  // round up: 0.5 s -> 1 s
  return s <= 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(s, UINT32_MAX));
}

}  // namespace

bool Engine::usable(NodeId id, const Ant* /*a*/, Time now) const {
  if (id == cfg_.self) return false;
  const int q = pvt_index(id);
  if (q >= 0 && !pvts_[q].up) return false;
  // A directory neighbour we hold no PVT with cannot be our first hop.
  if (q < 0 && dir_->has_edge(cfg_.self, id)) return false;
  for (const auto& [node, until] : penalties_)
    if (node == id && now < until) return false;
  return true;
}

Ant* Engine::start_ant(Time now, size_t ci, const IpAddress& src, const IpAddress& dst, Effects& fx,
                       Errc* why, std::span<const NodeId> route) {
  if (src.family() != dst.family()) {
    *why = Errc::invalid_argument;
    return nullptr;
  }
  if (ants_.size() >= cfg_.max_ants) {
    *why = Errc::limit;
    return nullptr;
  }
  Ant& a = ants_.add(Role::entrance, now);
  if (!ants_.bind_entrance(a, EntranceKey{static_cast<uint32_t>(ci), src, dst})) {
    ants_.erase(a.handle);
    *why = Errc::exists;
    return nullptr;
  }
  a.ent->pending = PendingQueue(cfg_.pending_queue, max_datagram_);
  a.ent->shaping = cfg_.shaping.ant;
  a.lifetime = cfg_.ant_lifetime;
  a.idle = cfg_.inactivity_timeout;
  for (const auto& rr : cfg_.remote_responders) {
    bool match = false;
    for (const auto& pfx : rr.serves) match = match || pfx.contains(dst);
    if (match && rr.exit != cfg_.self) {
      a.ent->to_responder = true;
      a.ent->responder_exit = rr.exit;
      a.ent->responder_id = rr.responder_id;
      break;
    }
  }
  if (!route.empty()) {
    const Errc bad = check_route(
        *dir_, cfg_.self, route, dst,
        a.ent->to_responder ? std::optional<NodeId>(a.ent->responder_exit) : std::nullopt);
    if (!ok(bad)) {
      remove_ant(a);
      *why = bad;
      return nullptr;
    }
    a.ent->pinned_route.assign(route.begin(), route.end());
  }
  arm_lifetime(now, a);
  Errc st = attempt_route(now, a, fx);
  if (!ok(st)) {
    ++stats_.create_failures;
    const SignalReason reason =
        st == Errc::over_quota ? SignalReason::over_quota : SignalReason::no_route;
    fx.on_event({EventKind::ant_failed, a.handle, 0, static_cast<uint8_t>(reason)});
    remove_ant(a);
    *why = st;
    return nullptr;
  }
  return &a;
}

Errc Engine::attempt_route(Time now, Ant& a, Effects& fx) {
  ++a.ent->attempts;
  // How much of the failed-route penalty a pick obeys.
  enum class Avoid { all, relays, none };
  auto live = [&](NodeId id) {
    if (id == cfg_.self) return false;
    const int q = pvt_index(id);
    return !(q >= 0 && !pvts_[q].up) && !(q < 0 && dir_->has_edge(cfg_.self, id));
  };
  auto can_exit = [&](NodeId id) {
    if (a.ent->to_responder) return id == a.ent->responder_exit;
    const AinEntry* e = dir_->find(id);
    return e && e->exits_to(a.inner_dst);
  };
  auto pick = [&](Avoid avoid) -> Result<std::vector<NodeId>> {
    std::function<bool(NodeId)> ok_node = [&](NodeId id) {
      if (avoid == Avoid::none || (avoid == Avoid::relays && can_exit(id))) return live(id);
      return usable(id, &a, now);
    };
    if (a.ent->to_responder)
      return pick_route_to_exit(*dir_, cfg_.self, a.ent->responder_exit, cfg_.route_length, rng_,
                                ok_node);
    return pick_route(*dir_, cfg_.self, a.inner_dst, cfg_.route_length, rng_, ok_node);
  };
  // Prefer a route that avoids AINs of recently failed routes; when that
  // leaves no exit (often there are few, and a failed route penalises its
  // exit as well), still avoid the failed relays; only then take any route
  // over live PVTs. A pinned route is used as it is (its first PVT must be up).
  Result<std::vector<NodeId>> route = a.ent->pinned_route;
  if (a.ent->pinned_route.empty()) {
    route = pick(Avoid::all);
    if (!route) route = pick(Avoid::relays);
    if (!route) route = pick(Avoid::none);
  } else if (const int q = pvt_index(a.ent->pinned_route[1]); q < 0 || !pvts_[q].up) {
    return Errc::not_found;
  }
  if (!route) return route.error();
  const std::vector<NodeId>& r = *route;
  const int first = pvt_index(r[1]);
  if (first < 0) return Errc::not_found;

  // Paper Fig. 1: one nested CREATE, one slot per key-holding hop.
  std::array<HopTarget, wire::kMaxHops> targets{};
  const size_t hops = r.size() - 1;
  for (size_t h = 0; h < hops; ++h) {
    const AinEntry* e = dir_->find(r[h + 1]);
    if (!e) return Errc::not_found;
    targets[h].onion_key = e->onion_key;
    HopInfo info;
    const bool last = h + 1 == hops;
    info.kind = last ? HopKind::exit : HopKind::relay;
    if (last && a.ent->to_responder) {
      info.flags = kHopFlagResponder;
      info.next = a.ent->responder_id;
    } else {
      info.next = last ? 0 : r[h + 2];
    }
    info.hard_lifetime_s = seconds(cfg_.ant_lifetime);
    info.inactivity_s = seconds(cfg_.inactivity_timeout);
    // The exit shapes the backward cells like the entrance the forward ones.
    if (last) info.shaping = a.ent->shaping;
    targets[h].info = encode_hop_info(info);
  }
  SignalingMessage c;
  c.command = SignalCommand::create;
  // Paper §5.4: one ticket per CREATE, within the customer's quota.
  if (Status st = ticket_for(now, a, c); !ok(st)) return st;
  a.ent->handshake = std::make_unique<EntranceHandshake>();
  if (!ok(build_create(std::span<const HopTarget>(targets.data(), hops), rng_, *a.ent->handshake,
                       c.blob)))
    return Errc::crypto_error;
  // Paper §4.3 step 2: fresh random SPIs for TVT_{1,2} (tvt.cc offer_tvt).
  if (Status st = offer_tvt(a, static_cast<size_t>(first), c); !ok(st)) return st;
  a.ent->route = r;
  send_signal_msg(static_cast<size_t>(first), c, fx);
  timers_.cancel(a.ent->t_setup);
  a.ent->t_setup = timers_.schedule(now + cfg_.setup_timeout, {TimerKind::ant_setup, a.handle});
  return Errc::ok;
}

void Engine::attempt_failed(Time now, Ant& a, SignalReason why, bool destroy_partial, Effects& fx) {
  timers_.cancel(a.ent->t_setup);
  ++stats_.create_failures;
  // The partial route may hold state (e.g. a timeout): tear it down.
  if (destroy_partial && a.next_pvt >= 0)
    send_signal(static_cast<size_t>(a.next_pvt), SignalCommand::destroy, why, a.spi_out_fwd, fx);
  // Avoid this route's AINs for a while (docs/protocol.md "Roles and route").
  for (size_t i = 1; i < a.ent->route.size(); ++i) {
    bool updated = false;
    for (auto& [node, until] : penalties_)
      if (node == a.ent->route[i]) until = now + cfg_.failed_node_penalty, updated = true;
    if (!updated) penalties_.emplace_back(a.ent->route[i], now + cfg_.failed_node_penalty);
  }
  std::erase_if(penalties_, [&](const auto& p) { return p.second <= now; });
  ants_.release_spi_in_bwd(a);
  a.tvt_next.reset();
  a.ent->handshake.reset();
  a.next_pvt = kNoPvt;
  a.spi_out_fwd = 0;
  a.ent->route.clear();
  if (a.ent->attempts < cfg_.setup_attempts && ok(attempt_route(now, a, fx))) return;
  fx.on_event({EventKind::ant_failed, a.handle, 0, static_cast<uint8_t>(why)});
  remove_ant(a);
}

void Engine::entrance_up(Time now, Ant& a, Effects& fx) {
  timers_.cancel(a.ent->t_setup);
  a.up = true;
  ++stats_.ants_created;
  fx.on_event({EventKind::ant_up, a.handle, 0, 0, now - a.created});
  shaping_start(now, a, a.ent->shaping);
  for (size_t i = 0; i < a.ent->pending.size(); ++i) send_forward(now, a, a.ent->pending.at(i), fx);
  // Only ANTs under construction hold queue storage: max_ants live ANTs do
  // not each keep pending_queue cells.
  a.ent->pending = PendingQueue{};
}
}  // namespace ainet::core
