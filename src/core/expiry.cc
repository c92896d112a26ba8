// Timers (docs/protocol.md "Timers"): PVT keepalives and link-down
// detection, the entrance's set-up timeout, and every ANT's hard lifetime and
// inactivity expiry; and the removal of an ANT with all its state.
#include <vector>

#include "core/engine.h"

namespace ainet::core {

void Engine::remove_ant(Ant& a) {
  if (a.ent) timers_.cancel(a.ent->t_setup);
  timers_.cancel(a.t_life);
  if (a.ent && a.ent->pending.size()) {
    stats_.pending_dropped += a.ent->pending.size();
    drops_[static_cast<size_t>(Errc::limit)] += a.ent->pending.size();
  }
  if (a.owns_pool_address) pool_.release(a.exposed_src);
  shaping_stop(a);
  ants_.erase(a.handle);  // indices, SAs and keys go with it (secrets wiped)
}

void Engine::touch(Time now, Ant& a) {
  a.last_active = now;
}

void Engine::arm_lifetime(Time now, Ant& a) {
  timers_.cancel(a.t_life);
  arm_life_timer(now, a);
}

// One timer per ANT for both limits: it fires at the hard expiry or at the
// next inactivity check, whichever is first (on_timer tells them apart).
void Engine::arm_life_timer(Time next_check, Ant& a) {
  Time at = Time::max();
  if (a.lifetime.ns > 0) at = a.created + a.lifetime;
  if (a.idle.ns > 0 && next_check + a.idle < at) at = next_check + a.idle;
  if (at != Time::max()) a.t_life = timers_.schedule(at, {TimerKind::ant_life, a.handle});
}

// The sealing end's e2e key reached its seal limit (e2e_aead.h): the ANT goes as
// if its lifetime had ended, from the timer rather than here, because the
// caller may be in the middle of a slot round or a batch that still holds it.
// At the entrance the next datagram builds a fresh ANT with fresh keys.
void Engine::retire_worn_out(Time now, Ant& a) {
  if (a.worn_out) return;
  a.worn_out = true;
  timers_.cancel(a.t_life);
  a.t_life = timers_.schedule(now, {TimerKind::ant_life, a.handle});
}

// ---------------------------------------------------------------- timers ---

void Engine::handle_timers(Time now, Effects& fx) {
  // Bounded: each timer fires once per call; re-armed ones are in the future.
  while (auto k = timers_.pop_due(now)) on_timer(now, *k, fx);
  run_slots(now, fx);
}

void Engine::on_timer(Time now, const TimerKey& k, Effects& fx) {
  if (k.kind == TimerKind::pvt_keepalive) {
    const size_t pi = static_cast<size_t>(k.target);
    Pvt& p = pvts_[pi];
    p.keepalive = timers_.schedule(now + cfg_.keepalive_interval, {TimerKind::pvt_keepalive, pi});
    if (p.up && p.silent(now, cfg_.keepalive_interval)) pvt_down(now, pi, fx);
    // Keep sending while down, so the peer sees us when the link returns.
    send_signal(pi, SignalCommand::keepalive, SignalReason::none, 0, fx);
    return;
  }
  if (k.kind == TimerKind::cover) return cover_check(now, fx);
  Ant* a = ants_.find(k.target);
  if (!a) return;
  switch (k.kind) {
    case TimerKind::ant_setup:
      if (a->ent) a->ent->t_setup = {};
      if (!a->up) attempt_failed(now, *a, SignalReason::timeout, true, fx);
      return;
    case TimerKind::ant_life:
      a->t_life = {};
      if (a->worn_out || (a->lifetime.ns > 0 && now >= a->created + a->lifetime))
        return teardown(now, *a, SignalReason::expired, true, true, fx);
      if (a->idle.ns > 0 && now - a->last_active >= a->idle)
        return teardown(now, *a, SignalReason::idle, true, true, fx);
      // Traffic since the last check: look again one idle period after it.
      return arm_life_timer(a->last_active, *a);
    case TimerKind::pvt_keepalive:
    case TimerKind::cover:
      return;
  }
}

void Engine::pvt_down(Time now, size_t pi, Effects& fx) {
  Pvt& p = pvts_[pi];
  p.up = false;
  fx.on_event({EventKind::pvt_down, 0, p.peer, static_cast<uint8_t>(SignalReason::link_down)});
  std::vector<uint64_t> hit;
  for (const auto& [h, a] : ants_.all())
    if (a->prev_pvt == static_cast<int>(pi) || a->next_pvt == static_cast<int>(pi))
      hit.push_back(h);
  for (uint64_t h : hit) {
    Ant* a = ants_.find(h);
    if (!a) continue;
    if (a->role == Role::entrance && !a->up) {
      attempt_failed(now, *a, SignalReason::link_down, false, fx);
      continue;
    }
    // docs/protocol.md: every ANT over a down PVT is destroyed with
    // DESTROY(link down) sent the other way.
    teardown(now, *a, SignalReason::link_down, a->prev_pvt != static_cast<int>(pi),
             a->next_pvt != static_cast<int>(pi), fx);
  }
}
}  // namespace ainet::core
