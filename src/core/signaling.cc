// Signaling on the PVTs (paper §4.3, §4.5; docs/protocol.md "Signaling"):
// what arrives on a PVT, CREATE at a relay or the exit, CREATED and
// CREATE_FAILED on their way back, DESTROY in both directions, and teardown.
// The entrance's side of set-up (route, nested CREATE, retries) is in
// ant_setup.cc.
#include <cstring>

#include "core/engine.h"
#include "core/handshake.h"
#include "core/onion.h"
#include "wire/esp.h"

namespace ainet::core {

namespace {

using wire::SignalReason;

// A hop keeps an ANT no longer than both the entrance asked and its own policy.
Duration combine(uint32_t asked_s, Duration own) {
  if (asked_s == 0) return own;
  Duration asked = Duration::s(asked_s);
  if (own.ns <= 0) return asked;
  return asked < own ? asked : own;
}

// One reason code per kind of ticket refusal (docs/protocol.md).
SignalReason ticket_refusal(TicketVerdict v) {
  switch (v) {
    case TicketVerdict::missing: return SignalReason::no_ticket;
    case TicketVerdict::malformed:
    case TicketVerdict::forged: return SignalReason::bad_ticket;
    case TicketVerdict::expired: return SignalReason::ticket_expired;
    case TicketVerdict::wrong_slice: return SignalReason::ticket_wrong_slice;
    case TicketVerdict::reused: return SignalReason::ticket_reused;
    case TicketVerdict::over_quota:
    case TicketVerdict::over_capacity:
    case TicketVerdict::ok: break;
  }
  return SignalReason::over_quota;
}
// And the drop counter it moves (besides its own TicketStats counter).
Errc ticket_drop(TicketVerdict v) {
  switch (v) {
    case TicketVerdict::missing: return Errc::unsupported;
    case TicketVerdict::malformed: return Errc::malformed;
    case TicketVerdict::forged: return Errc::bad_signature;
    case TicketVerdict::expired:
    case TicketVerdict::wrong_slice: return Errc::expired;
    case TicketVerdict::reused: return Errc::replay;
    case TicketVerdict::over_quota:
    case TicketVerdict::over_capacity:
    case TicketVerdict::ok: break;
  }
  return Errc::over_quota;
}

}  // namespace

void Engine::on_pvt_packet(Time now, size_t pi, uint32_t spi, const IpAddress& src, MutByteSpan pkt,
                           Effects& fx) {
  Pvt& p = pvts_[pi];
  PvtGeneration* g = p.gen_by_spi(spi);
  if (!g) return drop(Errc::unknown_spi);  // a generation just deleted
  auto o = open_tunnel(g->bundle, p.address, src, pkt, p.drops);
  if (!o) return;
  // The peer sends on this generation, so it has both halves: we may too.
  g->confirmed = true;
  ++p.packets_in;
  p.bytes_in += pkt.size();
  fx.peer_authenticated(src);
  if (p.heard(now)) fx.on_event({EventKind::pvt_up, 0, p.peer, 0});
  if (o->next_header == wire::kProtoNoNext) return;  // RFC 4303 §2.6 dummy packet
  if (o->next_header != wire::kProtoOnion) {
    ++p.drops;
    return drop(Errc::unsupported);
  }
  // One length per link (core/link_sizes.h): anything else is not ours.
  auto m = o->payload.size() == sig_.size() ? wire::parse_signaling(o->payload)
                                            : Result<SignalingMessage>(Errc::malformed);
  if (!m) {
    ++p.drops;
    return drop(m.error());
  }
  on_signal(now, pi, *g, *m, fx);
}

void Engine::send_signal_msg(size_t pi, const SignalingMessage& m, Effects& fx) {
  Pvt& p = pvts_[pi];
  PvtGeneration* gp = p.send_gen();
  if (!gp) return;  // an IKE PVT before its first child SA (it is down)
  PvtGeneration& g = *gp;
  if (!ok(wire::serialize_signaling(m, sig_))) return drop(Errc::invalid_argument);
  auto out = g.bundle.seal(sig_, wire::kProtoOnion, tx_, rng_);
  if (!out) return drop(out.error());
  if (p.ike && !g.rekey_asked && g.bundle.last_sent_seq() >= cfg_.pvt_rekey_seq) {
    // Rekey long before the sequence space runs out (RFC 4303 §3.3.3: the
    // counter must not cycle; RFC 7296 §2.8: a new child SA replaces it).
    g.rekey_asked = true;
    EngineEvent ev{EventKind::pvt_rekey, 0, p.peer, 0};
    ev.spi = g.bundle.inbound_spi();
    fx.on_event(ev);
  }
  ++p.packets_out;
  p.bytes_out += out->size();
  ++stats_.packets_out;
  fx.send_packet(p.address, *out);
}

void Engine::send_signal(size_t pi, SignalCommand cmd, SignalReason why, uint32_t spi,
                         Effects& fx) {
  SignalingMessage m;
  m.command = cmd;
  m.reason = why;
  m.spi = spi;
  send_signal_msg(pi, m, fx);
}

void Engine::on_signal(Time now, size_t pi, const PvtGeneration& gen, const SignalingMessage& m,
                       Effects& fx) {
  switch (m.command) {
    case SignalCommand::keepalive:
      return;
    case SignalCommand::create:
      return on_create(now, pi, gen, m, fx);
    case SignalCommand::destroy:
      return on_destroy(now, pi, m, fx);
    case SignalCommand::created:
    case SignalCommand::create_failed: {
      // Both travel backwards and name the receiver's inbound backward SPI.
      const SpiRef* r = ants_.find_spi(m.spi);
      Ant* a = r && r->kind == SpiRef::Kind::ant_bwd ? ants_.find(r->id) : nullptr;
      if (!a || a->next_pvt != static_cast<int>(pi)) {
        ++stats_.unexpected_signal;
        return drop(Errc::unsupported);
      }
      if (m.command == SignalCommand::created) return on_created(now, pi, *a, m, fx);
      return on_create_failed(now, pi, *a, m.reason, fx);
    }
  }
}

void Engine::on_create(Time now, size_t pi, const PvtGeneration& gen, const SignalingMessage& m,
                       Effects& fx) {
  auto refuse = [&](SignalReason why) {
    ++stats_.create_failures;
    send_signal(pi, SignalCommand::create_failed, why, m.spi_bwd, fx);
  };
  if (m.spi_bwd < wire::kMinValidSpi) return drop(Errc::malformed);  // nobody to answer
  if (ants_.size() >= cfg_.max_ants) {
    drop(Errc::limit);
    return refuse(SignalReason::resources);
  }
  // docs/protocol.md: the receiver answers CREATE_FAILED(spi collision) if it
  // already uses the forward SPI (or it is reserved, RFC 4302 §2.4).
  if (m.spi < wire::kMinValidSpi || ants_.spi_in_use(m.spi)) {
    drop(Errc::exists);
    return refuse(SignalReason::spi_collision);
  }
  // Paper §5.4 "Ticket": checked before any costly work (the ticket check is
  // an RSA verification, cheaper than the slot's two X25519), recorded as
  // spent only once the CREATE is accepted (ticket_ok below).
  TicketAdmission ticket;
  if (verifier_) {
    const TicketVerdict v = verifier_->admit(m.ticket, unix_now(now), ticket);
    if (v != TicketVerdict::ok) {
      drop(ticket_drop(v));
      return refuse(ticket_refusal(v));
    }
  }
  auto ticket_ok = [&] {
    if (!verifier_) return true;
    const TicketVerdict v = verifier_->spend(ticket);
    if (v == TicketVerdict::ok) return true;
    drop(ticket_drop(v));
    refuse(ticket_refusal(v));
    return false;
  };
  CreateProcessed cp;
  std::array<uint8_t, wire::kCreateBlobSize> shifted{};
  if (!ok(process_create(onion_, m.blob, rng_, cp, shifted))) {
    drop(Errc::auth_failed);  // tampered CREATE: keep no state
    return refuse(SignalReason::auth);
  }
  auto info = decode_hop_info(cp.info);
  if (!info) {
    drop(info.error());
    return refuse(SignalReason::auth);
  }
  const bool is_exit = info->kind == HopKind::exit;
  int next = kNoPvt;
  size_t responder = 0;
  if (is_exit) {
    if (info->flags & kHopFlagResponder) {
      bool found = false;
      for (size_t i = 0; i < customers_.size(); ++i)
        if (customers_[i].cfg.id == info->next) responder = i, found = true;
      if (!found) {
        drop(Errc::not_found);
        return refuse(SignalReason::no_route);
      }
    }
  } else {
    next = pvt_index(info->next);
    if (next < 0 || next == static_cast<int>(pi) || !pvts_[next].up) {
      drop(Errc::not_found);
      return refuse(SignalReason::no_route);
    }
  }

  Ant& a = ants_.add(is_exit ? Role::exit : Role::intermediate, now);
  a.prev_pvt = static_cast<int>(pi);
  a.spi_out_bwd = m.spi_bwd;
  a.lifetime = combine(info->hard_lifetime_s, cfg_.ant_lifetime);
  a.idle = combine(info->inactivity_s, cfg_.inactivity_timeout);
  a.deliver_to_responder = is_exit && (info->flags & kHopFlagResponder);
  a.responder = static_cast<uint32_t>(responder);
  bool good = ants_.claim_spi_in_fwd(a, m.spi) &&
              ok(make_tvt(a, true, pi, gen, m.tvt_nonce, m.spi, m.spi_bwd, m.seq_fwd, m.seq_bwd));
  if (good) {
    if (is_exit) {
      auto ek = make_exit_onion_keys(cp.keys, cfg_.cell_size, cfg_.e2e_aead);
      good = ek.ok();
      if (good) a.exit_keys = std::make_unique<ExitOnionKeys>(std::move(*ek));
    } else {
      auto hk = make_hop_onion_keys(cp.keys, cfg_.cell_size);
      good = hk.ok();
      if (good) a.hop_keys = std::make_unique<HopOnionKeys>(std::move(*hk));
    }
  }
  if (!good) {
    remove_ant(a);
    drop(Errc::crypto_error);
    return refuse(SignalReason::resources);
  }
  arm_lifetime(now, a);

  if (is_exit) {
    // The exit answers at once: its CREATED slot, then 7 random slots.
    SignalingMessage r;
    r.command = SignalCommand::created;
    r.spi = m.spi_bwd;
    if (!ok(start_created(cp.reply, rng_, MutByteSpan(r.blob.data(), wire::kCreatedBlobSize)))) {
      remove_ant(a);
      drop(Errc::crypto_error);
      return refuse(SignalReason::resources);
    }
    if (!ticket_ok()) return remove_ant(a);
    a.up = true;
    ++stats_.ants_created;
    send_signal_msg(pi, r, fx);
    // The exit shapes the backward direction as the entrance asked.
    shaping_start(now, a, info->shaping);
    fx.on_event({EventKind::ant_up, a.handle, 0, 0});
    return;
  }

  // Relay (paper §4.3 step 3): new random SPIs and a new TVT to the next AIN,
  // and the CREATE passed on with this hop's slot removed.
  a.reply = std::make_unique<CreatedReply>(std::move(cp.reply));
  SignalingMessage c;
  c.command = SignalCommand::create;
  c.blob = shifted;
  c.ticket = m.ticket;  // unchanged: every hop checks it for itself
  if (!ok(offer_tvt(a, static_cast<size_t>(next), c))) {
    remove_ant(a);
    drop(Errc::limit);
    return refuse(SignalReason::resources);
  }
  if (!ticket_ok()) return remove_ant(a);
  send_signal_msg(static_cast<size_t>(next), c, fx);
}

void Engine::on_created(Time now, size_t /*pi*/, Ant& a, const SignalingMessage& m, Effects& fx) {
  std::array<uint8_t, wire::kCreatedBlobSize> blob{};
  std::memcpy(blob.data(), m.blob.data(), blob.size());
  if (a.role == Role::entrance) {
    if (a.up || !a.ent->handshake) {
      ++stats_.unexpected_signal;
      return drop(Errc::unsupported);
    }
    std::array<HopKeys, wire::kMaxHops> keys;
    const size_t hops = a.ent->handshake->hop_count;
    if (!ok(open_created(*a.ent->handshake, blob, keys))) {
      drop(Errc::auth_failed);
      return attempt_failed(now, a, SignalReason::auth, true, fx);
    }
    a.ent->handshake.reset();
    auto rk = make_route_onion_keys(std::span<const HopKeys>(keys.data(), hops), cfg_.cell_size,
                                    cfg_.e2e_aead);
    if (!rk) {
      drop(rk.error());
      return attempt_failed(now, a, SignalReason::resources, true, fx);
    }
    a.ent->route_keys = std::make_unique<RouteOnionKeys>(std::move(*rk));
    return entrance_up(now, a, fx);
  }
  if (a.up || !a.reply || a.prev_pvt < 0) {
    ++stats_.unexpected_signal;
    return drop(Errc::unsupported);
  }
  if (!ok(wrap_created(*a.reply, blob))) return drop(Errc::crypto_error);
  a.reply.reset();
  a.up = true;
  ++stats_.ants_created;
  SignalingMessage r;
  r.command = SignalCommand::created;
  r.spi = a.spi_out_bwd;
  std::memcpy(r.blob.data(), blob.data(), blob.size());
  send_signal_msg(static_cast<size_t>(a.prev_pvt), r, fx);
  fx.on_event({EventKind::ant_up, a.handle, 0, 0});
}

void Engine::on_create_failed(Time now, size_t /*pi*/, Ant& a, SignalReason why, Effects& fx) {
  if (a.up) {
    ++stats_.unexpected_signal;
    return drop(Errc::unsupported);
  }
  if (a.role == Role::entrance) return attempt_failed(now, a, why, false, fx);
  // A relay passes the failure back and forgets the ANT (downstream has
  // already forgotten it).
  if (a.prev_pvt >= 0)
    send_signal(static_cast<size_t>(a.prev_pvt), SignalCommand::create_failed, why, a.spi_out_bwd,
                fx);
  remove_ant(a);
}

void Engine::on_destroy(Time now, size_t pi, const SignalingMessage& m, Effects& fx) {
  const SpiRef* r = ants_.find_spi(m.spi);
  Ant* a = r && (r->kind == SpiRef::Kind::ant_fwd || r->kind == SpiRef::Kind::ant_bwd)
               ? ants_.find(r->id)
               : nullptr;
  // docs/protocol.md "Teardown": DESTROY for an unknown SPI does nothing.
  if (!a) {
    ++stats_.unknown_destroy;
    return drop(Errc::not_found);
  }
  const bool from_prev = r->kind == SpiRef::Kind::ant_fwd;
  // Only the neighbour on that side of the ANT may tear it down.
  if ((from_prev ? a->prev_pvt : a->next_pvt) != static_cast<int>(pi)) {
    ++stats_.unexpected_signal;
    return drop(Errc::unsupported);
  }
  if (!from_prev && a->role == Role::entrance && !a->up)
    return attempt_failed(now, *a, m.reason, false, fx);
  // Paper §4.5: the next AIN finds its next SPI and passes DESTROY on.
  teardown(now, *a, m.reason, !from_prev, from_prev, fx);
}

void Engine::teardown(Time /*now*/, Ant& a, SignalReason why, bool tell_prev, bool tell_next,
                      Effects& fx) {
  // Paper §4.5: an AIN that starts a DESTROY sends it both ways; each hop
  // names the receiver's inbound SPI (docs/protocol.md).
  if (tell_next && a.next_pvt >= 0)
    send_signal(static_cast<size_t>(a.next_pvt), SignalCommand::destroy, why, a.spi_out_fwd, fx);
  if (tell_prev && a.prev_pvt >= 0)
    send_signal(static_cast<size_t>(a.prev_pvt), SignalCommand::destroy, why, a.spi_out_bwd, fx);
  if (a.up) {
    ++stats_.ants_destroyed;
    fx.on_event({EventKind::ant_down, a.handle, 0, static_cast<uint8_t>(why)});
  } else if (a.role == Role::entrance) {
    ++stats_.create_failures;
    fx.on_event({EventKind::ant_failed, a.handle, 0, static_cast<uint8_t>(why)});
  }
  remove_ant(a);
}

}  // namespace ainet::core
