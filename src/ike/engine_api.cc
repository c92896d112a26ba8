// IkeEngine's public entry points (ike_engine.h): each hands the work to
// the Impl (engine_impl.h) and reports the next deadline to the caller.
#include <algorithm>

#include "ike/engine_impl.h"

namespace ainet::ike {

IkeEngine::IkeEngine(IkeConfig config, crypto::Rng& rng)
    : impl_(std::make_unique<Impl>(std::move(config), rng)) {}
IkeEngine::~IkeEngine() = default;

void IkeEngine::handle_datagram(Time now, const UdpEndpoint& local, const UdpEndpoint& remote,
                                ByteSpan payload, Effects& fx) {
  impl_->on_datagram(now, local, remote, payload, fx);
  impl_->report_deadline(fx);
}

void IkeEngine::handle_timers(Time now, Effects& fx) {
  Impl& m = *impl_;
  if (m.cookie_rotate_at <= now) {
    m.cookies.rotate(m.rng);
    m.cookie_rotate_at = now + m.config.cookie_rotation;
  }
  // Each SA's fire() moves its deadline past now or removes the SA; the
  // bound only guards against a bug turning this into an endless loop.
  size_t budget = 4 * m.sas.size() + 64;
  while (!m.timers.empty() && m.timers.begin()->first <= now && budget-- > 0) {
    const uint64_t handle = m.timers.begin()->second;
    IkeSa* sa = m.find(handle);
    if (sa == nullptr) {
      m.timers.erase(m.timers.begin());
      continue;
    }
    m.fire(now, *sa, fx);
    if (IkeSa* s = m.find(handle)) {
      m.reschedule(*s);
      // A deadline that did not move would spin: push it to `now + 1 ns`.
      if (s->scheduled <= now) {
        m.timers.erase({s->scheduled, handle});
        s->scheduled = Time{now.ns + 1};
        m.timers.insert({s->scheduled, handle});
      }
    }
  }
  m.report_deadline(fx);
}

Time IkeEngine::next_deadline() const {
  Time t = impl_->timers.empty() ? Time::max() : impl_->timers.begin()->first;
  return std::min(t, impl_->cookie_rotate_at);
}

Result<uint64_t> IkeEngine::initiate(Time now, std::string_view peer, Effects& fx) {
  Impl& m = *impl_;
  int index = -1;
  for (size_t i = 0; i < m.config.peers.size(); ++i)
    if (m.config.peers[i].name == peer) index = static_cast<int>(i);
  if (index < 0) return Errc::not_found;
  if (m.sas.size() >= m.config.max_ike_sas) return Errc::limit;
  IkeSa& sa = m.create_sa(now, true);
  sa.peer = index;
  const uint64_t handle = sa.handle;
  if (Status s = m.start_initiator(now, sa, fx); !ok(s)) {
    m.remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    m.report_deadline(fx);
    return s;
  }
  m.report_deadline(fx);
  return handle;
}

Status IkeEngine::set_requested_address(std::string_view peer,
                                        std::optional<wire::IpAddress> ip4) {
  for (PeerConfig& p : impl_->config.peers) {
    if (p.name != peer) continue;
    p.requested_ip4 = ip4;
    return Errc::ok;
  }
  return Errc::not_found;
}

Status IkeEngine::create_child(Time now, uint64_t ike_sa, Effects& fx) {
  IkeSa* sa = impl_->find(ike_sa);
  if (sa == nullptr || sa->state != IkeState::established) return Errc::not_found;
  impl_->enqueue(now, *sa, {Task::create_child, 0, {}}, fx);
  impl_->report_deadline(fx);
  return Errc::ok;
}

Status IkeEngine::rekey_ike(Time now, uint64_t ike_sa, Effects& fx) {
  IkeSa* sa = impl_->find(ike_sa);
  if (sa == nullptr || sa->state != IkeState::established) return Errc::not_found;
  impl_->enqueue(now, *sa, {Task::rekey_ike, 0, {}}, fx);
  impl_->report_deadline(fx);
  return Errc::ok;
}

Status IkeEngine::rekey_child(Time now, uint32_t spi_in, Effects& fx) {
  auto it = impl_->child_index.find(spi_in);
  IkeSa* sa = it == impl_->child_index.end() ? nullptr : impl_->find(it->second);
  if (sa == nullptr) return Errc::not_found;
  impl_->enqueue(now, *sa, {Task::rekey_child, spi_in, {}}, fx);
  impl_->report_deadline(fx);
  return Errc::ok;
}

Status IkeEngine::terminate_ike(Time now, uint64_t ike_sa, Effects& fx) {
  IkeSa* sa = impl_->find(ike_sa);
  if (sa == nullptr) return Errc::not_found;
  if (sa->state == IkeState::established) {
    sa->queue.clear();
    impl_->enqueue(now, *sa, {Task::delete_ike, 0, {}}, fx);
  } else if (sa->state != IkeState::deleting) {
    // Not (or no longer) authenticated: nothing to tell the peer.
    impl_->remove_sa(*sa, IkeDownReason::deleted_locally, fx);
  }
  impl_->report_deadline(fx);
  return Errc::ok;
}

Status IkeEngine::terminate_child(Time now, uint32_t spi_in, Effects& fx) {
  auto it = impl_->child_index.find(spi_in);
  IkeSa* sa = it == impl_->child_index.end() ? nullptr : impl_->find(it->second);
  if (sa == nullptr) return Errc::not_found;
  impl_->enqueue(now, *sa, {Task::delete_child, 0, {spi_in}}, fx);
  impl_->report_deadline(fx);
  return Errc::ok;
}

void IkeEngine::peer_alive(Time now, uint64_t ike_sa) {
  if (IkeSa* sa = impl_->find(ike_sa)) {
    sa->last_heard = std::max(sa->last_heard, now);
    impl_->reschedule(*sa);
  }
}

const IkeCounters& IkeEngine::counters() const {
  return impl_->counters;
}

}  // namespace ainet::ike
