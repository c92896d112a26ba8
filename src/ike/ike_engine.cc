// IkeEngine: tables, timers, sending and the dispatch of incoming datagrams
// (RFC 7296 §2.1 retransmission, §2.3 message IDs and window, §2.21 error
// handling for messages that reach no exchange). The exchanges themselves
// live in exchange_*.cc.
#include "ike/ike_engine.h"

#include <algorithm>

#include "ike/engine_impl.h"
#include "wire/constants.h"
#include "wire/udp_encap.h"

namespace ainet::ike {

std::string UdpEndpoint::to_string() const {
  if (addr.is_v6()) return "[" + addr.to_string() + "]:" + std::to_string(port);
  return addr.to_string() + ":" + std::to_string(port);
}

uint64_t IkeCounters::total_drops() const {
  uint64_t n = 0;
  for (uint64_t d : drops) n += d;
  return n;
}

ChildSa* IkeSa::child_by_in(uint32_t spi) {
  for (ChildSa& c : children)
    if (c.spi_in == spi) return &c;
  return nullptr;
}
ChildSa* IkeSa::child_by_out(uint32_t spi) {
  for (ChildSa& c : children)
    if (c.spi_out == spi) return &c;
  return nullptr;
}

IkeEngine::Impl::Impl(IkeConfig c, crypto::Rng& r) : config(std::move(c)), rng(r), cookies(r) {
  if (config.pool_v4) pool4 = AddressPool(*config.pool_v4);
  if (config.pool_v6) pool6 = AddressPool(*config.pool_v6);
}

// ---- tables -----------------------------------------------------------------

IkeSa* IkeEngine::Impl::find(uint64_t handle) {
  auto it = sas.find(handle);
  return it == sas.end() ? nullptr : it->second.get();
}

uint64_t IkeEngine::Impl::fresh_ike_spi() {
  // §2.6: SPIs are random (they double as a weak cookie); never 0, never in use.
  for (;;) {
    const uint64_t s = rng.u64();
    if (s != 0 && by_spi.find(s) == by_spi.end()) return s;
  }
}

uint32_t IkeEngine::Impl::fresh_child_spi() {
  // RFC 4303 §2.1: 1..255 are reserved; our inbound SPIs are unique per engine.
  for (;;) {
    const uint32_t s = rng.u32();
    if (s >= 256 && child_index.find(s) == child_index.end()) return s;
  }
}

IkeSa& IkeEngine::Impl::create_sa(Time now, bool initiator, uint64_t our_spi) {
  auto sa = std::make_unique<IkeSa>();
  sa->handle = next_handle++;
  sa->initiator = initiator;
  sa->created = now;
  sa->last_heard = now;
  const uint64_t spi = our_spi != 0 ? our_spi : fresh_ike_spi();
  (initiator ? sa->spi_i : sa->spi_r) = spi;
  by_spi[spi] = sa->handle;
  IkeSa& ref = *sa;
  sas.emplace(ref.handle, std::move(sa));
  return ref;
}

IkeDownReason IkeEngine::Impl::gone(const IkeSa& sa, IkeDownReason otherwise) {
  if (sa.redundant || (sa.collision_candidate && sa.children.empty()))
    return IkeDownReason::redundant;
  return sa.successor != 0 ? IkeDownReason::rekeyed : otherwise;
}

void IkeEngine::Impl::set_state(IkeSa& sa, IkeState s) {
  if (sa.state == IkeState::half_open && s != IkeState::half_open) --half_open;
  if (sa.state != IkeState::half_open && s == IkeState::half_open) ++half_open;
  sa.state = s;
}

const PeerConfig* IkeEngine::Impl::peer_of(const IkeSa& sa) const {
  if (sa.peer < 0 || static_cast<size_t>(sa.peer) >= config.peers.size()) return nullptr;
  return &config.peers[static_cast<size_t>(sa.peer)];
}

Time IkeEngine::Impl::jittered(Time base, Duration soft) {
  const int64_t j = config.lifetimes.jitter.ns;
  const int64_t cut = j > 0 ? static_cast<int64_t>(rng.uniform(static_cast<uint64_t>(j))) : 0;
  return base + Duration{std::max<int64_t>(soft.ns - cut, soft.ns / 2)};
}

void IkeEngine::Impl::reschedule(IkeSa& sa) {
  Time t = Time::max();
  if (sa.out) t = std::min(t, sa.out->next_send);
  t = std::min({t, sa.half_open_until, sa.retire_at, sa.expire_at, sa.keepalive_at});
  if (sa.state == IkeState::established) {
    t = std::min(t, sa.rekey_at);
    for (const ChildSa& c : sa.children) t = std::min({t, c.rekey_at, c.expire_at});
    if (config.dpd_delay.ns > 0 && !sa.out && sa.queue.empty())
      t = std::min(t, sa.last_heard + config.dpd_delay);
  }
  if (t == sa.scheduled) return;
  if (sa.scheduled != Time::max()) timers.erase({sa.scheduled, sa.handle});
  sa.scheduled = t;
  if (t != Time::max()) timers.insert({t, sa.handle});
}

void IkeEngine::Impl::remove_sa(IkeSa& sa, IkeDownReason reason, Effects& fx) {
  const uint64_t handle = sa.handle;
  for (const ChildSa& c : sa.children) {
    child_index.erase(c.spi_in);
    fx.child_sa_down({handle, c.spi_in, c.spi_out, ChildDownReason::ike_sa_gone});
  }
  sa.children.clear();
  // SPIs reserved for exchanges that will now never finish.
  auto unreserve_child = [&](uint32_t spi) {
    auto it = child_index.find(spi);
    if (it != child_index.end() && it->second == handle) child_index.erase(it);
  };
  unreserve_child(sa.auth_child_spi_in);
  if (sa.out) {
    unreserve_child(sa.out->new_spi_in);
    auto it = by_spi.find(sa.out->new_ike_spi);
    if (sa.out->new_ike_spi != 0 && it != by_spi.end() && it->second == handle) by_spi.erase(it);
  }
  for (AddressPool* p : {&pool4, &pool6}) {
    for (const auto& v : {sa.vip4, sa.vip6})
      if (v && p->owner_of(*v) == handle) p->release(*v);
  }
  if (sa.announced || sa.initiator) {
    IkeSaEvent e;
    e.handle = handle;
    e.new_handle = sa.successor;
    if (const PeerConfig* pc = peer_of(sa)) e.peer = pc->name;
    e.local = sa.local;
    e.remote = sa.remote;
    e.initiator = sa.initiator;
    e.reason = reason;
    e.virtual_ip4 = sa.vip4;
    e.virtual_ip6 = sa.vip6;
    fx.ike_sa_down(e);
  }
  if (!sa.announced) ++counters.ike_sas_failed;
  set_state(sa, IkeState::deleting);  // leaves half_open bookkeeping consistent
  by_spi.erase(sa.our_spi());
  if (sa.init_key) init_index.erase({sa.spi_i, {sa.init_key->addr, sa.init_key->port}});
  if (sa.scheduled != Time::max()) timers.erase({sa.scheduled, handle});
  sas.erase(handle);
}

void IkeEngine::Impl::establish(Time now, IkeSa& sa, Effects& fx) {
  set_state(sa, IkeState::established);
  sa.established_at = now;
  sa.last_heard = now;
  sa.half_open_until = Time::max();
  sa.rekey_at = jittered(now, config.lifetimes.ike_soft);
  sa.expire_at = now + config.lifetimes.ike_hard;
  // RFC 3948 §4: the side behind a NAT keeps its mapping alive.
  if (sa.nat_local && config.nat_keepalive.ns > 0) sa.keepalive_at = now + config.nat_keepalive;
  // The IKE_SA_INIT material is no longer needed (§2.15 used it).
  sa.init_request.clear();
  sa.init_response.clear();
  sa.cookie.clear();
  sa.dh.reset();
  sa.announced = true;
  ++counters.ike_sas_up;
  IkeSaEvent e;
  e.handle = sa.handle;
  if (const PeerConfig* pc = peer_of(sa)) e.peer = pc->name;
  e.local = sa.local;
  e.remote = sa.remote;
  e.initiator = sa.initiator;
  e.virtual_ip4 = sa.vip4;
  e.virtual_ip6 = sa.vip6;
  fx.ike_sa_up(e);
  reschedule(sa);
}

void IkeEngine::Impl::report_deadline(Effects& fx) {
  Time t = timers.empty() ? Time::max() : timers.begin()->first;
  t = std::min(t, cookie_rotate_at);
  if (t != reported_deadline) {
    reported_deadline = t;
    fx.set_timer(t);
  }
}

// ---- sending ------------------------------------------------------------------

void IkeEngine::Impl::send_raw(const UdpEndpoint& local, const UdpEndpoint& remote,
                               ByteSpan ike_message, Effects& fx) {
  ++counters.datagrams_out;
  if (local.port != wire::kUdpEncapPort) {
    fx.send_datagram(local, remote, ike_message);
    return;
  }
  // RFC 3948 §2.2: IKE on port 4500 follows a 4-octet zero non-ESP marker.
  Bytes b(wire::kNonEspMarkerLen, 0);
  b.insert(b.end(), ike_message.begin(), ike_message.end());
  fx.send_datagram(local, remote, b);
}

Status IkeEngine::Impl::send_request(Time now, IkeSa& sa, Outstanding o, uint8_t first_inner,
                                     ByteSpan inner, Effects& fx) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = o.exchange;
  h.flags = sa.initiator ? kFlagInitiator : 0;
  h.message_id = sa.next_request_id;
  Bytes msg;
  if (Status s = sa.tx->seal_message(h, first_inner, inner, msg); !ok(s)) return s;
  o.message_id = sa.next_request_id++;
  o.local = sa.local;
  o.remote = sa.remote;
  o.wire = std::move(msg);
  o.interval = config.retransmit.initial;
  o.next_send = now + o.interval;
  o.retransmits = 0;
  send_raw(o.local, o.remote, o.wire, fx);
  ++counters.requests_sent;
  sa.out = std::move(o);
  reschedule(sa);
  return Errc::ok;
}

void IkeEngine::Impl::send_response(IkeSa& sa, const Incoming& in, uint8_t first_inner,
                                    ByteSpan inner, Effects& fx) {
  IkeHeader h;
  h.spi_i = sa.spi_i;
  h.spi_r = sa.spi_r;
  h.exchange = in.header.exchange;
  h.flags = kFlagResponse | (sa.initiator ? kFlagInitiator : 0);
  h.message_id = in.header.message_id;
  Bytes msg;
  if (!ok(sa.tx->seal_message(h, first_inner, inner, msg))) return;
  // §2.3: this request is done; a retransmission of it gets this response.
  sa.expected_request_id = in.header.message_id + 1;
  sa.last_response = msg;
  sa.has_last_response = true;
  // §2.11: answer to where the request came from, from where it arrived.
  send_raw(in.local, in.remote, msg, fx);
}

void IkeEngine::Impl::send_error_response(IkeSa& sa, const Incoming& in, NotifyType t,
                                          ByteSpan data, Effects& fx) {
  Bytes inner;
  PayloadChainWriter w(inner, SIZE_MAX);
  add_notify(w, inner, t, data);
  send_response(sa, in, w.first_type(), inner, fx);
}

void IkeEngine::Impl::queue_task(IkeSa& sa, QueuedTask t) {
  if (std::find(sa.queue.begin(), sa.queue.end(), t) == sa.queue.end() &&
      sa.queue.size() < kMaxQueuedTasks)
    sa.queue.push_back(std::move(t));
}

void IkeEngine::Impl::enqueue(Time now, IkeSa& sa, QueuedTask t, Effects& fx) {
  queue_task(sa, std::move(t));
  kick(now, sa, fx);
}

void IkeEngine::Impl::kick(Time now, IkeSa& sa, Effects& fx) {
  // §2.3: window size 1, one request of ours at a time.
  while (!sa.out && !sa.queue.empty()) {
    const bool established = sa.state == IkeState::established;
    const QueuedTask t = sa.queue.front();
    if (!established && t.task != Task::delete_ike) {
      if (sa.state == IkeState::rekeyed || sa.state == IkeState::deleting) {
        sa.queue.pop_front();  // an old IKE SA does nothing but go away
        continue;
      }
      break;  // not yet established: wait
    }
    sa.queue.pop_front();
    switch (t.task) {
      case Task::create_child:
        start_create_child(now, sa, 0, fx);
        break;
      case Task::rekey_child: {
        ChildSa* c = sa.child_by_in(t.spi_in);
        if (c != nullptr && c->state == ChildSa::State::installed)
          start_create_child(now, sa, t.spi_in, fx);
        break;
      }
      case Task::rekey_ike:
        start_rekey_ike(now, sa, fx);
        break;
      case Task::delete_child:
      case Task::delete_ike:
      case Task::dpd:
        start_informational(now, sa, t, fx);
        break;
      case Task::ike_init:
      case Task::ike_auth:
        break;  // never queued
    }
    if (find(sa.handle) == nullptr) return;
  }
  reschedule(sa);
}

// ---- timers ------------------------------------------------------------------

void IkeEngine::Impl::fire(Time now, IkeSa& sa, Effects& fx) {
  if (sa.out && sa.out->next_send <= now) {
    Outstanding& o = *sa.out;
    if (o.retransmits >= config.retransmit.tries) {
      // §2.4: no answer after every retransmission: the peer is gone. Keep
      // nothing (no message is sent on a dead SA).
      if (o.task == Task::delete_ike) {
        remove_sa(sa, gone(sa, IkeDownReason::deleted_locally), fx);
      } else {
        ++counters.dead_peers;
        remove_sa(sa, IkeDownReason::peer_dead, fx);
      }
      return;
    }
    // §2.1: retransmit the very same bytes, with exponential backoff.
    ++o.retransmits;
    ++counters.retransmissions;
    // send_raw: on port 4500 the non-ESP marker goes first again (RFC 3948
    // §2.2); without it the peer took a retransmission for ESP.
    send_raw(o.local, o.remote, o.wire, fx);
    o.interval = std::min(Duration{o.interval.ns * 2}, config.retransmit.max_interval);
    o.next_send = now + o.interval;
  }
  if (sa.half_open_until <= now) {
    remove_sa(sa, IkeDownReason::half_open_timeout, fx);
    return;
  }
  if (sa.retire_at <= now) {
    // A rekeyed IKE SA whose Delete never came (§2.18): drop it quietly.
    remove_sa(sa, IkeDownReason::rekeyed, fx);
    return;
  }
  if (sa.expire_at <= now) {
    // Hard lifetime: tell the peer once, then forget everything.
    if (sa.state == IkeState::established) send_delete_ike_oneshot(sa, fx);
    remove_sa(sa, IkeDownReason::expired, fx);
    return;
  }
  if (sa.keepalive_at <= now) {
    const uint8_t ka = wire::kNatKeepaliveByte;  // RFC 3948 §2.3
    ++counters.nat_keepalives;
    ++counters.datagrams_out;
    fx.send_datagram(sa.local, sa.remote, ByteSpan(&ka, 1));
    sa.keepalive_at = now + config.nat_keepalive;
  }
  if (sa.state == IkeState::established) {
    if (sa.rekey_at <= now) {
      sa.rekey_at = Time::max();
      enqueue(now, sa, {Task::rekey_ike, 0, {}}, fx);
      if (find(sa.handle) == nullptr) return;
    }
    std::vector<uint32_t> expired;
    for (ChildSa& c : sa.children) {
      if (c.expire_at <= now) {
        expired.push_back(c.spi_in);
      } else if (c.rekey_at <= now) {
        c.rekey_at = Time::max();
        if (c.state == ChildSa::State::installed) queue_task(sa, {Task::rekey_child, c.spi_in, {}});
      }
    }
    for (uint32_t spi : expired) remove_child(sa, spi, ChildDownReason::expired, fx);
    if (!expired.empty()) queue_task(sa, {Task::delete_child, 0, expired});
    if (config.dpd_delay.ns > 0 && !sa.out && sa.queue.empty() &&
        sa.last_heard + config.dpd_delay <= now) {
      ++counters.dpd_sent;
      queue_task(sa, {Task::dpd, 0, {}});
    }
  }
  kick(now, sa, fx);
}

// ---- dispatch ----------------------------------------------------------------

void IkeEngine::Impl::on_datagram(Time now, const UdpEndpoint& local, const UdpEndpoint& remote,
                                  ByteSpan payload, Effects& fx) {
  ++counters.datagrams_in;
  ByteSpan raw = payload;
  if (local.port == wire::kUdpEncapPort) {
    // RFC 3948 §2.2: only datagrams with the non-ESP marker are IKE.
    auto c = wire::classify_udp_encap(payload);
    if (!c || c->kind != wire::UdpEncapKind::ike) {
      drop(DropReason::not_ike);
      return;
    }
    raw = c->data;
  }
  auto pm = parse_message(raw);
  if (!pm) {
    drop(pm.error() == Errc::unsupported ? DropReason::version : DropReason::parse);
    return;
  }
  const IkeHeader& h = pm->header;
  if (h.exchange_type() == ExchangeType::ike_sa_init) {
    if (!h.is_response()) {
      on_init_request(now, *pm, local, remote, raw, fx);
      return;
    }
    auto it = by_spi.find(h.spi_i);
    IkeSa* sa = it == by_spi.end() ? nullptr : find(it->second);
    if (sa == nullptr || !sa->initiator || sa->state != IkeState::init_sent) {
      drop(sa == nullptr ? DropReason::unknown_spi : DropReason::unexpected);
      return;
    }
    on_init_response(now, *sa, *pm, local, remote, raw, fx);
    return;
  }
  // §3.1/§2.21.4: the SPI chosen by us is SPIr when the sender is the
  // original initiator, SPIi otherwise.
  const uint64_t ours = h.from_original_initiator() ? h.spi_r : h.spi_i;
  auto it = by_spi.find(ours);
  IkeSa* sa = it == by_spi.end() ? nullptr : find(it->second);
  if (sa == nullptr || sa->spi_i != h.spi_i || sa->spi_r != h.spi_r ||
      h.from_original_initiator() == sa->initiator || !sa->rx) {
    drop(DropReason::unknown_spi);
    return;
  }
  const uint64_t handle = sa->handle;
  on_protected(now, *sa, *pm, local, remote, fx);
  if (IkeSa* s = find(handle)) {
    kick(now, *s, fx);
  }
}

void IkeEngine::Impl::on_protected(Time now, IkeSa& sa, const ParsedMessage& m,
                                   const UdpEndpoint& local, const UdpEndpoint& remote,
                                   Effects& fx) {
  const IkeHeader& h = m.header;
  // §3.14: after IKE_SA_INIT everything travels inside the SK payload.
  if (!m.sk || m.payloads.count != 1) {
    drop(DropReason::parse);
    return;
  }
  bool retransmission = false;
  if (h.is_response()) {
    // §2.3: a response must answer our one outstanding request.
    if (!sa.out || h.message_id != sa.out->message_id || h.exchange != sa.out->exchange) {
      drop(DropReason::message_id);
      return;
    }
  } else if (h.message_id == sa.expected_request_id) {
    // the next request
  } else if (sa.has_last_response && h.message_id + 1 == sa.expected_request_id) {
    retransmission = true;  // §2.1: answer it again (after checking it is genuine)
  } else {
    drop(DropReason::message_id);
    return;
  }
  Incoming in;
  in.header = h;
  in.local = local;
  in.remote = remote;
  if (!ok(sa.rx->open(m, in.plain))) {
    drop(DropReason::integrity);  // §2.21.2: silently discarded
    return;
  }
  sa.last_heard = now;
  if (retransmission) {
    ++counters.responses_resent;
    send_raw(local, remote, sa.last_response, fx);
    return;
  }
  // §2.23: behind a NAT, the peer's address is whatever its last
  // authenticated message came from.
  if (sa.nat_remote || sa.nat_local) {
    sa.remote = remote;
    sa.local = local;
  }
  PayloadChain chain;
  const Status ps = parse_payload_chain(m.sk_inner_first, in.plain, chain);
  auto decoded = ok(ps) ? decode_payloads(chain) : Result<DecodedPayloads>(ps);
  const bool is_half_open = sa.state == IkeState::half_open;
  if (!decoded || decoded->unsupported_critical) {
    drop(DropReason::syntax);
    if (!h.is_response()) {
      // §3.10.1: INVALID_SYNTAX only in a protected response to a valid
      // request; §2.5: UNSUPPORTED_CRITICAL_PAYLOAD names the payload type.
      if (decoded) {
        const uint8_t t = *decoded->unsupported_critical;
        send_error_response(sa, in, NotifyType::unsupported_critical_payload, ByteSpan(&t, 1), fx);
      } else {
        send_error_response(sa, in, NotifyType::invalid_syntax, {}, fx);
      }
      if (is_half_open) remove_sa(sa, IkeDownReason::negotiation_failed, fx);  // §2.21.2
    } else {
      Outstanding o = std::move(*sa.out);
      sa.out.reset();
      if (o.task == Task::ike_auth) remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    }
    return;
  }
  in.p = std::move(*decoded);

  if (!h.is_response()) {
    switch (h.exchange_type()) {
      case ExchangeType::ike_auth:
        if (is_half_open) {
          on_auth_request(now, sa, in, fx);
          return;
        }
        break;
      case ExchangeType::create_child_sa:
        if (!is_half_open && sa.state != IkeState::init_sent && sa.state != IkeState::auth_sent) {
          on_create_child_request(now, sa, in, fx);
          return;
        }
        break;
      case ExchangeType::informational:
        on_informational_request(now, sa, in, fx);
        return;
      default:
        break;
    }
    drop(DropReason::unexpected);
    if (sa.state == IkeState::init_sent || sa.state == IkeState::auth_sent) {
      // The responder is ahead of us (our IKE_AUTH answer is still on its
      // way): leave the request unanswered, its retransmission will find
      // us established.
      return;
    }
    ++counters.errors_sent[static_cast<uint16_t>(NotifyType::invalid_syntax)];
    send_error_response(sa, in, NotifyType::invalid_syntax, {}, fx);
    if (is_half_open) remove_sa(sa, IkeDownReason::negotiation_failed, fx);
    return;
  }
  Outstanding o = std::move(*sa.out);
  sa.out.reset();
  switch (o.task) {
    case Task::ike_auth:
      on_auth_response(now, sa, in, fx);
      return;
    case Task::create_child:
    case Task::rekey_child:
      on_create_child_response(now, sa, in, o, fx);
      return;
    case Task::rekey_ike:
      on_rekey_ike_response(now, sa, in, o, fx);
      return;
    case Task::delete_child:
    case Task::delete_ike:
    case Task::dpd:
      on_informational_response(now, sa, in, o, fx);
      return;
    case Task::ike_init:
      break;
  }
  drop(DropReason::unexpected);
}

}  // namespace ainet::ike
