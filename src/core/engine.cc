#include "core/engine.h"

#include <algorithm>
#include <cstring>
#include <tuple>

#include "core/address_rewrite.h"
#include "core/handshake.h"
#include "core/onion.h"
#include "core/route_selection.h"
#include "core/tvt_keys.h"
#include "wire/ah.h"
#include "wire/esp.h"
#include "wire/ip_packet.h"
#include "wire/udp_encap.h"

namespace ainet::core {

using wire::SignalCommand;
using wire::SignalingMessage;
using wire::SignalReason;
using Role = AntInfo::Role;

namespace {

constexpr size_t kBufferSize = wire::kMaxIpPacketLen + 256;
// docs/protocol.md: initial AH sequence numbers are random in [0, 2^62).
uint64_t random_initial_seq(crypto::Rng& rng) { return rng.u64() >> 2; }
// RFC 4303 §2.1 / RFC 4302 §2.4: SPIs 0..255 are reserved.
uint32_t random_wire_spi(crypto::Rng& rng) {
  for (;;) {
    uint32_t s = rng.u32();
    if (s >= wire::kMinValidSpi) return s;
  }
}
uint32_t seconds(Duration d) {
  const int64_t s = (d.ns + 999'999'999) / 1'000'000'000;  // round up: 0.5 s -> 1 s
  return s <= 0 ? 0 : static_cast<uint32_t>(std::min<int64_t>(s, UINT32_MAX));
}
// A hop keeps an ANT no longer than both the entrance asked and its own policy.
Duration combine(uint32_t asked_s, Duration own) {
  if (asked_s == 0) return own;
  Duration asked = Duration::s(asked_s);
  if (own.ns <= 0) return asked;
  return asked < own ? asked : own;
}

}  // namespace

// ---------------------------------------------------------------- set-up ---

Engine::Engine(EngineConfig cfg, std::shared_ptr<const Directory> dir, crypto::Rng& rng)
    : cfg_(std::move(cfg)), dir_(std::move(dir)), rng_(rng) {}

Engine::~Engine() = default;

Result<std::unique_ptr<Engine>> Engine::create(EngineConfig cfg,
                                               std::shared_ptr<const Directory> dir,
                                               crypto::Rng& rng, Time now) {
  if (!dir) return Errc::invalid_argument;
  std::unique_ptr<Engine> e(new Engine(std::move(cfg), std::move(dir), rng));
  Status st = e->init(now);
  if (!ok(st)) return st;
  return e;
}

Status Engine::init(Time now) {
  const AinEntry* self = dir_->find(cfg_.self);
  if (!self) return Errc::invalid_argument;
  self_addr_ = self->address;
  if (cfg_.cell_size < kMinCellSize || cfg_.cell_size > kMaxCellSize) return Errc::invalid_argument;
  if (cfg_.route_length < 2 || cfg_.route_length > wire::kMaxHops + 1) return Errc::invalid_argument;
  if (cfg_.setup_attempts < 1 || cfg_.keepalive_interval.ns <= 0) return Errc::invalid_argument;
  if (cfg_.onion_private.size() != crypto::kX25519KeySize) return Errc::invalid_argument;
  onion_.priv = cfg_.onion_private;
  auto pub = crypto::x25519_public(onion_.priv.span());
  if (!pub) return pub.error();
  onion_.pub = *pub;
  // The directory must publish the key we hold, or no CREATE would open.
  if (onion_.pub != self->onion_key) return Errc::invalid_argument;

  rx_.assign(kBufferSize, 0);
  mid_.assign(kBufferSize, 0);
  tx_.assign(kBufferSize, 0);
  cell_.assign(cfg_.cell_size, 0);
  max_datagram_ = max_cell_datagram(cfg_.cell_size);
  drops_.assign(kErrcCount, 0);
  pool_ = ExitPool(cfg_.exit_pool);

  pvts_.reserve(cfg_.pvts.size());
  for (const auto& pc : cfg_.pvts) {
    const AinEntry* peer = dir_->find(pc.peer);
    if (!peer || pc.peer == cfg_.self || pvt_index(pc.peer) >= 0) return Errc::invalid_argument;
    if (peer->address.family() != self_addr_.family()) return Errc::invalid_argument;
    if (pc.tvt_secret.empty()) return Errc::invalid_argument;
    Pvt p;
    p.peer = pc.peer;
    p.address = peer->address;
    auto b = TunnelBundle::create(cfg_.carrier, pc.out, pc.in, self_addr_, peer->address,
                                  cfg_.replay_window);
    if (!b) return b.error();
    p.bundle = std::move(*b);
    if (!p.tvt_secret.assign(pc.tvt_secret)) return Errc::invalid_argument;
    p.last_rx = now;
    if (!ants_.add_spi(p.bundle.inbound_spi(), {SpiRef::Kind::pvt, pvts_.size()}))
      return Errc::exists;
    pvts_.push_back(std::move(p));
  }
  for (size_t i = 0; i < pvts_.size(); ++i)
    pvts_[i].keepalive =
        timers_.schedule(now + cfg_.keepalive_interval, {TimerKind::pvt_keepalive, i});

  customers_.reserve(cfg_.customers.size());
  for (const auto& cc : cfg_.customers) {
    if (cc.tunnel_address.family() != self_addr_.family()) return Errc::invalid_argument;
    for (const auto& other : customers_)
      if (other.cfg.id == cc.id) return Errc::invalid_argument;
    Customer c;
    c.cfg = cc;
    auto b = TunnelBundle::create(cfg_.carrier, cc.out, cc.in, self_addr_, cc.tunnel_address,
                                  cfg_.replay_window);
    if (!b) return b.error();
    c.bundle = std::move(*b);
    if (!ants_.add_spi(c.bundle.inbound_spi(), {SpiRef::Kind::customer, customers_.size()}))
      return Errc::exists;
    customers_.push_back(std::move(c));
  }
  return Errc::ok;
}

void Engine::set_directory(std::shared_ptr<const Directory> dir) {
  if (dir) dir_ = std::move(dir);
}

int Engine::pvt_index(NodeId peer) const {
  for (size_t i = 0; i < pvts_.size(); ++i)
    if (pvts_[i].peer == peer) return static_cast<int>(i);
  return -1;
}

// ---------------------------------------------------------------- inbound --

void Engine::handle_packet(Time now, ByteSpan packet, Effects& fx) {
  if (cfg_.carrier == Carrier::ip) {
    auto info = wire::parse_ip_packet(packet);
    if (!info) {
      ++stats_.packets_in;
      drop(info.error());
      return;
    }
    dispatch(now, info->src, packet, fx);
    return;
  }
  // udp carrier without a source: nothing can be authenticated by address.
  ++stats_.packets_in;
  drop(Errc::invalid_argument);
}

void Engine::handle_packet(Time now, const IpAddress& src, ByteSpan packet, Effects& fx) {
  if (cfg_.carrier == Carrier::ip) {
    handle_packet(now, packet, fx);  // the outer header names the source
    return;
  }
  dispatch(now, src, packet, fx);
}

void Engine::dispatch(Time now, const IpAddress& src, ByteSpan packet, Effects& fx) {
  ++stats_.packets_in;
  if (packet.size() > rx_.size()) return drop(Errc::limit);
  uint32_t spi = 0;
  if (cfg_.carrier == Carrier::ip) {
    // Every ainet packet on the ip carrier starts with AH: PVT and customer
    // bundles (AH over ESP) and TVTs (AH over the cell).
    auto loc = wire::locate_ah(packet);
    if (!loc) return drop(loc.error() == Errc::not_found ? Errc::unsupported : loc.error());
    spi = loc->ah.spi;
  } else {
    auto u = wire::classify_udp_encap(packet);
    if (!u) return drop(u.error());
    if (u->kind == wire::UdpEncapKind::keepalive) return;  // RFC 3948 §2.3: ignore
    if (u->kind != wire::UdpEncapKind::esp) return drop(Errc::unsupported);  // no IKE here
    spi = load_be32(u->data.data());
  }
  const SpiRef* ref = ants_.find_spi(spi);
  if (!ref) return drop(Errc::unknown_spi);
  const SpiRef r = *ref;
  std::memcpy(rx_.data(), packet.data(), packet.size());
  MutByteSpan pkt(rx_.data(), packet.size());
  switch (r.kind) {
    case SpiRef::Kind::pvt: return on_pvt_packet(now, r.id, src, pkt, fx);
    case SpiRef::Kind::customer: return on_customer_packet(now, r.id, src, pkt, fx);
    case SpiRef::Kind::ant_fwd:
    case SpiRef::Kind::ant_bwd: {
      Ant* a = ants_.find(r.id);
      if (!a) return drop(Errc::unknown_spi);
      return on_tvt_packet(now, *a, r.kind == SpiRef::Kind::ant_fwd, src, pkt, fx);
    }
  }
}

void Engine::on_pvt_packet(Time now, size_t pi, const IpAddress& src, MutByteSpan pkt,
                           Effects& fx) {
  Pvt& p = pvts_[pi];
  if (src != p.address) {
    ++p.drops;
    ++stats_.source_mismatch;
    return drop(Errc::auth_failed);
  }
  auto o = p.bundle.open(pkt);
  if (!o) {
    ++p.drops;
    return drop(o.error());
  }
  ++p.packets_in;
  p.bytes_in += pkt.size();
  fx.peer_authenticated(src);
  if (p.heard(now)) fx.on_event({EventKind::pvt_up, 0, p.peer, 0});
  if (o->next_header == wire::kProtoNoNext) return;  // RFC 4303 §2.6 dummy packet
  if (o->next_header != wire::kProtoOnion) {
    ++p.drops;
    return drop(Errc::unsupported);
  }
  auto m = wire::parse_signaling(o->payload);
  if (!m) {
    ++p.drops;
    return drop(m.error());
  }
  on_signal(now, pi, *m, fx);
}

void Engine::on_customer_packet(Time now, size_t ci, const IpAddress& src, MutByteSpan pkt,
                                Effects& fx) {
  Customer& c = customers_[ci];
  // Paper §4.4 step 2: the entrance accepts only its registered customers,
  // authenticated by their tunnel SAs and their real address.
  if (src != c.cfg.tunnel_address) {
    ++c.drops;
    ++stats_.source_mismatch;
    return drop(Errc::auth_failed);
  }
  auto o = c.bundle.open(pkt);
  if (!o) {
    ++c.drops;
    return drop(o.error());
  }
  ++c.packets_in;
  fx.peer_authenticated(src);
  switch (o->next_header) {
    case wire::kProtoIpv4:
    case wire::kProtoIpv6: return customer_datagram(now, ci, o->payload, fx);
    case wire::kProtoOnion: return customer_control(now, ci, o->payload, fx);
    case wire::kProtoNoNext: return;  // RFC 4303 §2.6 dummy packet
    default: ++c.drops; return drop(Errc::unsupported);
  }
}

// ---------------------------------------------------------------- signaling

void Engine::send_signal_msg(size_t pi, const SignalingMessage& m, Effects& fx) {
  Pvt& p = pvts_[pi];
  if (!ok(wire::serialize_signaling(m, sig_))) return drop(Errc::invalid_argument);
  auto out = p.bundle.seal(sig_, wire::kProtoOnion, mid_, tx_, rng_);
  if (!out) return drop(out.error());
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

void Engine::on_signal(Time now, size_t pi, const SignalingMessage& m, Effects& fx) {
  switch (m.command) {
    case SignalCommand::keepalive: return;
    case SignalCommand::create: return on_create(now, pi, m, fx);
    case SignalCommand::destroy: return on_destroy(now, pi, m, fx);
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

void Engine::on_create(Time now, size_t pi, const SignalingMessage& m, Effects& fx) {
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
              ok(make_tvt(a, true, pi, m.tvt_nonce, m.spi, m.spi_bwd, m.seq_fwd, m.seq_bwd));
  if (good) {
    auto hk = make_hop_onion_keys(cp.keys, is_exit, cfg_.cell_size);
    good = hk.ok();
    if (good) a.hop_keys = std::move(*hk);
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
    a.up = true;
    ++stats_.ants_created;
    send_signal_msg(pi, r, fx);
    fx.on_event({EventKind::ant_up, a.handle, 0, 0});
    return;
  }

  // Relay (paper §4.3 step 3): new random SPIs and a new TVT to the next AIN,
  // and the CREATE passed on with this hop's slot removed.
  a.next_pvt = next;
  a.reply = std::make_unique<CreatedReply>(std::move(cp.reply));
  SignalingMessage c;
  c.command = SignalCommand::create;
  c.spi = random_wire_spi(rng_);
  c.spi_bwd = fresh_spi();
  rng_.fill(c.tvt_nonce);
  c.seq_fwd = random_initial_seq(rng_);
  c.seq_bwd = random_initial_seq(rng_);
  c.blob = shifted;
  a.spi_out_fwd = c.spi;
  if (c.spi_bwd == 0 || !ants_.claim_spi_in_bwd(a, c.spi_bwd) ||
      !ok(make_tvt(a, false, static_cast<size_t>(next), c.tvt_nonce, c.spi, c.spi_bwd, c.seq_fwd,
                   c.seq_bwd))) {
    remove_ant(a);
    drop(Errc::limit);
    return refuse(SignalReason::resources);
  }
  send_signal_msg(static_cast<size_t>(next), c, fx);
}

void Engine::on_created(Time now, size_t /*pi*/, Ant& a, const SignalingMessage& m, Effects& fx) {
  std::array<uint8_t, wire::kCreatedBlobSize> blob{};
  std::memcpy(blob.data(), m.blob.data(), blob.size());
  if (a.role == Role::entrance) {
    if (a.up || !a.handshake) {
      ++stats_.unexpected_signal;
      return drop(Errc::unsupported);
    }
    std::array<HopKeys, wire::kMaxHops> keys;
    const size_t hops = a.handshake->hop_count;
    if (!ok(open_created(*a.handshake, blob, keys))) {
      drop(Errc::auth_failed);
      return attempt_failed(now, a, SignalReason::auth, true, fx);
    }
    a.handshake.reset();
    auto rk = make_route_onion_keys(std::span<const HopKeys>(keys.data(), hops), cfg_.cell_size);
    if (!rk) {
      drop(rk.error());
      return attempt_failed(now, a, SignalReason::resources, true, fx);
    }
    a.route_keys = std::move(*rk);
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

// ---------------------------------------------------------------- TVTs -----

uint32_t Engine::fresh_spi() {
  for (int i = 0; i < 64; ++i) {
    uint32_t s = random_wire_spi(rng_);
    if (!ants_.spi_in_use(s)) return s;
  }
  return 0;
}

Status Engine::make_tvt(Ant& a, bool towards_prev, size_t pi, ByteSpan nonce, uint32_t spi_fwd,
                        uint32_t spi_bwd, uint64_t seq_fwd, uint64_t seq_bwd) {
  TvtAhKeys k;
  Status st = derive_tvt_keys(pvts_[pi].tvt_secret.span(), nonce, spi_fwd, spi_bwd, k);
  if (!ok(st)) return st;
  // DESIGN.md: a random IPv6 outer flow label per TVT, so the label does not
  // link the two links of a hop (RFC 6437 allows any pseudo-random value).
  const uint32_t label = (rng_.u32() & 0xfffff) | 1;
  auto make = [&](uint32_t spi, const Secret<32>& key,
                  uint64_t seq) -> Result<std::unique_ptr<sa::SecurityAssociation>> {
    sa::SaConfig c;
    c.spi = spi;
    // docs/protocol.md: AH HMAC-SHA-256-128 on the ip carrier; ESP-NULL with
    // the same MAC on udp (RFC 3948 cannot carry AH). ESN, random offset.
    c.transform = cfg_.carrier == Carrier::ip ? sa::Transform::ah_hmac_sha256
                                              : sa::Transform::esp_null_hmac_sha256;
    c.framing = cfg_.carrier == Carrier::ip ? sa::Framing::ip : sa::Framing::udp;
    if (!c.keymat.assign(key.span())) return Errc::invalid_argument;
    c.esn = true;
    c.replay_window = cfg_.replay_window;
    c.initial_seq = seq;
    c.local = self_addr_;
    c.remote = pvts_[pi].address;
    c.flow_label = label;
    return sa::SecurityAssociation::create(c);
  };
  auto fwd = make(spi_fwd, k.fwd, seq_fwd);
  auto bwd = make(spi_bwd, k.bwd, seq_bwd);
  if (!fwd) return fwd.error();
  if (!bwd) return bwd.error();
  auto& keep = towards_prev ? a.nonce_prev : a.nonce_next;
  if (nonce.size() != keep.size()) return Errc::invalid_argument;
  std::copy(nonce.begin(), nonce.end(), keep.begin());
  if (towards_prev) {
    a.sa_in_fwd = std::move(*fwd);
    a.sa_out_bwd = std::move(*bwd);
  } else {
    a.sa_out_fwd = std::move(*fwd);
    a.sa_in_bwd = std::move(*bwd);
  }
  return Errc::ok;
}

void Engine::seal_and_send_tvt(sa::SecurityAssociation& s, size_t pi, ByteSpan cell, Effects& fx) {
  auto n = s.seal(cell, wire::kProtoOnion, tx_, rng_);
  if (!n) return drop(n.error());
  ++stats_.packets_out;
  fx.send_packet(pvts_[pi].address, ByteSpan(tx_.data(), *n));
}

void Engine::on_tvt_packet(Time now, Ant& a, bool forward, const IpAddress& src, MutByteSpan pkt,
                           Effects& fx) {
  sa::SecurityAssociation* in = forward ? a.sa_in_fwd.get() : a.sa_in_bwd.get();
  const int from = forward ? a.prev_pvt : a.next_pvt;
  if (!in || from < 0) return drop(Errc::unknown_spi);
  if (src != pvts_[from].address) {
    ++stats_.source_mismatch;
    return drop(Errc::auth_failed);
  }
  auto o = in->open(pkt);
  if (!o) return drop(o.error());
  fx.peer_authenticated(src);
  // Authentic traffic from the neighbour also proves the PVT's peer alive.
  if (pvts_[from].heard(now)) fx.on_event({EventKind::pvt_up, 0, pvts_[from].peer, 0});
  if (o->next_header != wire::kProtoOnion || o->payload.size() != cfg_.cell_size)
    return drop(Errc::malformed);
  // Data before the ANT is up (CREATED not yet passed back) is unexpected.
  if (!a.up) return drop(Errc::unsupported);
  MutByteSpan cell = o->payload;
  touch(now, a);

  if (forward) {
    ++a.packets_fwd;
    a.bytes_fwd += cell.size();
    if (a.role == Role::intermediate) {
      // Paper §5.2: one layer off, then on to the next TVT.
      if (!ok(relay_forward(*a.hop_keys, cell))) return drop(Errc::crypto_error);
      return seal_and_send_tvt(*a.sa_out_fwd, static_cast<size_t>(a.next_pvt), cell, fx);
    }
    if (a.role != Role::exit) return drop(Errc::unsupported);
    auto p = open_forward(*a.hop_keys, cell);
    if (!p) return drop(p.error());
    if (p->type == CellType::dummy) {
      ++stats_.dummy_cells;
      return;
    }
    a.datagram_bytes_fwd += p->datagram.size();
    return exit_deliver(now, a, p->datagram, fx);
  }

  ++a.packets_bwd;
  a.bytes_bwd += cell.size();
  if (a.role == Role::intermediate) {
    if (!ok(relay_backward(*a.hop_keys, cell))) return drop(Errc::crypto_error);
    return seal_and_send_tvt(*a.sa_out_bwd, static_cast<size_t>(a.prev_pvt), cell, fx);
  }
  if (a.role != Role::entrance) return drop(Errc::unsupported);
  // Paper §4.4: the entrance removes every layer and sends the datagram to
  // the customer through its ESP+AH tunnel.
  auto p = open_backward(*a.route_keys, cell);
  if (!p) return drop(p.error());
  if (p->type == CellType::dummy) {
    ++stats_.dummy_cells;
    return;
  }
  a.datagram_bytes_bwd += p->datagram.size();
  auto info = wire::parse_ip_packet(p->datagram);
  if (!info) return drop(info.error());
  Customer& c = customers_[a.customer];
  auto out = c.bundle.seal(p->datagram, wire::tunnel_next_header(info->family), mid_, tx_, rng_);
  if (!out) return drop(out.error());
  ++c.packets_out;
  ++stats_.packets_out;
  fx.send_packet(c.cfg.tunnel_address, *out);
}

// ---------------------------------------------------------------- entrance -

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

Ant* Engine::start_ant(Time now, size_t ci, const IpAddress& src, const IpAddress& dst,
                       Effects& fx, Errc* why, std::span<const NodeId> route) {
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
  a.pending = PendingQueue(cfg_.pending_queue, max_datagram_);
  a.lifetime = cfg_.ant_lifetime;
  a.idle = cfg_.inactivity_timeout;
  for (const auto& rr : cfg_.remote_responders) {
    bool match = false;
    for (const auto& pfx : rr.serves) match = match || pfx.contains(dst);
    if (match && rr.exit != cfg_.self) {
      a.to_responder = true;
      a.responder_exit = rr.exit;
      a.responder_id = rr.responder_id;
      break;
    }
  }
  if (!route.empty()) {
    const Errc bad = check_route(*dir_, cfg_.self, route, dst,
                                 a.to_responder ? std::optional<NodeId>(a.responder_exit) : std::nullopt);
    if (!ok(bad)) {
      remove_ant(a);
      *why = bad;
      return nullptr;
    }
    a.pinned_route.assign(route.begin(), route.end());
  }
  arm_lifetime(now, a);
  Errc st = attempt_route(now, a, fx);
  if (!ok(st)) {
    ++stats_.create_failures;
    fx.on_event({EventKind::ant_failed, a.handle, 0, static_cast<uint8_t>(SignalReason::no_route)});
    remove_ant(a);
    *why = st;
    return nullptr;
  }
  return &a;
}

Errc Engine::attempt_route(Time now, Ant& a, Effects& fx) {
  ++a.attempts;
  // How much of the failed-route penalty a pick obeys.
  enum class Avoid { all, relays, none };
  auto live = [&](NodeId id) {
    if (id == cfg_.self) return false;
    const int q = pvt_index(id);
    return !(q >= 0 && !pvts_[q].up) && !(q < 0 && dir_->has_edge(cfg_.self, id));
  };
  auto can_exit = [&](NodeId id) {
    if (a.to_responder) return id == a.responder_exit;
    const AinEntry* e = dir_->find(id);
    return e && e->exits_to(a.inner_dst);
  };
  auto pick = [&](Avoid avoid) -> Result<std::vector<NodeId>> {
    std::function<bool(NodeId)> ok_node = [&](NodeId id) {
      if (avoid == Avoid::none || (avoid == Avoid::relays && can_exit(id))) return live(id);
      return usable(id, &a, now);
    };
    if (a.to_responder)
      return pick_route_to_exit(*dir_, cfg_.self, a.responder_exit, cfg_.route_length, rng_,
                                ok_node);
    return pick_route(*dir_, cfg_.self, a.inner_dst, cfg_.route_length, rng_, ok_node);
  };
  // Prefer a route that avoids AINs of recently failed routes; when that
  // leaves no exit (often there are few, and a failed route penalises its
  // exit as well), still avoid the failed relays; only then take any route
  // over live PVTs. A pinned route is used as it is (its first PVT must be up).
  Result<std::vector<NodeId>> route = a.pinned_route;
  if (a.pinned_route.empty()) {
    route = pick(Avoid::all);
    if (!route) route = pick(Avoid::relays);
    if (!route) route = pick(Avoid::none);
  } else if (const int q = pvt_index(a.pinned_route[1]); q < 0 || !pvts_[q].up) {
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
    if (last && a.to_responder) {
      info.flags = kHopFlagResponder;
      info.next = a.responder_id;
    } else {
      info.next = last ? 0 : r[h + 2];
    }
    info.hard_lifetime_s = seconds(cfg_.ant_lifetime);
    info.inactivity_s = seconds(cfg_.inactivity_timeout);
    targets[h].info = encode_hop_info(info);
  }
  a.handshake = std::make_unique<EntranceHandshake>();
  SignalingMessage c;
  c.command = SignalCommand::create;
  if (!ok(build_create(std::span<const HopTarget>(targets.data(), hops), rng_, *a.handshake,
                       c.blob)))
    return Errc::crypto_error;
  // Paper §4.3 step 2: fresh random SPIs for TVT_{1,2}; docs/protocol.md adds
  // the key nonce and random initial sequence numbers.
  c.spi = random_wire_spi(rng_);
  c.spi_bwd = fresh_spi();
  rng_.fill(c.tvt_nonce);
  c.seq_fwd = random_initial_seq(rng_);
  c.seq_bwd = random_initial_seq(rng_);
  if (c.spi_bwd == 0 || !ants_.claim_spi_in_bwd(a, c.spi_bwd)) return Errc::limit;
  a.spi_out_fwd = c.spi;
  a.next_pvt = first;
  Status st = make_tvt(a, false, static_cast<size_t>(first), c.tvt_nonce, c.spi, c.spi_bwd,
                       c.seq_fwd, c.seq_bwd);
  if (!ok(st)) return st;
  a.route = r;
  send_signal_msg(static_cast<size_t>(first), c, fx);
  timers_.cancel(a.t_setup);
  a.t_setup = timers_.schedule(now + cfg_.setup_timeout, {TimerKind::ant_setup, a.handle});
  return Errc::ok;
}

void Engine::attempt_failed(Time now, Ant& a, SignalReason why, bool destroy_partial,
                            Effects& fx) {
  timers_.cancel(a.t_setup);
  ++stats_.create_failures;
  // The partial route may hold state (e.g. a timeout): tear it down.
  if (destroy_partial && a.next_pvt >= 0)
    send_signal(static_cast<size_t>(a.next_pvt), SignalCommand::destroy, why, a.spi_out_fwd, fx);
  // Avoid this route's AINs for a while (docs/protocol.md "Roles and route").
  for (size_t i = 1; i < a.route.size(); ++i) {
    bool updated = false;
    for (auto& [node, until] : penalties_)
      if (node == a.route[i]) until = now + cfg_.failed_node_penalty, updated = true;
    if (!updated) penalties_.emplace_back(a.route[i], now + cfg_.failed_node_penalty);
  }
  std::erase_if(penalties_, [&](const auto& p) { return p.second <= now; });
  ants_.release_spi_in_bwd(a);
  a.sa_out_fwd.reset();
  a.sa_in_bwd.reset();
  a.handshake.reset();
  a.next_pvt = kNoPvt;
  a.spi_out_fwd = 0;
  a.route.clear();
  if (a.attempts < cfg_.setup_attempts && ok(attempt_route(now, a, fx))) return;
  fx.on_event({EventKind::ant_failed, a.handle, 0, static_cast<uint8_t>(why)});
  remove_ant(a);
}

void Engine::entrance_up(Time now, Ant& a, Effects& fx) {
  timers_.cancel(a.t_setup);
  a.up = true;
  ++stats_.ants_created;
  fx.on_event({EventKind::ant_up, a.handle, 0, 0, now - a.created});
  for (size_t i = 0; i < a.pending.size(); ++i) send_forward(now, a, a.pending.at(i), fx);
  // Only ANTs under construction hold queue storage: max_ants live ANTs do
  // not each keep pending_queue cells.
  a.pending = PendingQueue{};
}

void Engine::send_forward(Time now, Ant& a, ByteSpan dgram, Effects& fx) {
  // Paper Fig. 7: nested encryption, K_n innermost (onion.h).
  if (!ok(wrap_forward(*a.route_keys, CellType::data, dgram, rng_, cell_)))
    return drop(Errc::invalid_argument);
  touch(now, a);
  ++a.packets_fwd;
  a.bytes_fwd += cell_.size();
  a.datagram_bytes_fwd += dgram.size();
  seal_and_send_tvt(*a.sa_out_fwd, static_cast<size_t>(a.next_pvt), cell_, fx);
}

void Engine::customer_datagram(Time now, size_t ci, MutByteSpan dgram, Effects& fx) {
  auto info = wire::parse_ip_packet(dgram);
  if (!info) return drop(info.error());
  // Sizes beyond one cell are refused (every cell is the same size).
  if (dgram.size() > max_datagram_) return drop(Errc::limit);
  // Link-scoped traffic of the customer's host (router solicitations, MLD,
  // mDNS, broadcasts) has no business on another network: no ANT for it.
  if (!info->src.is_routable_unicast() || !info->dst.is_routable_unicast()) {
    ++stats_.not_routable;
    return drop(Errc::unsupported);
  }
  // A registered responder answering over an ANT that ends here (Table 3).
  if (Ant* x = ants_.find_exit(ExitKey{static_cast<uint32_t>(ci) + 1, info->dst, info->src})) {
    if (x->rewritten && !ok(rewrite_address(dgram, AddressField::destination, x->inner_src)))
      return drop(Errc::malformed);
    return send_backward(now, *x, dgram, fx);
  }
  // Otherwise the customer is an initiator (Table 1): its ANT for this pair,
  // created on the first datagram.
  Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(ci), info->src, info->dst});
  if (!a) {
    Errc why = Errc::ok;
    a = start_ant(now, ci, info->src, info->dst, fx, &why);
    if (!a) return drop(why);
  }
  if (!a->up) {
    if (!a->pending.push(dgram)) {
      ++stats_.pending_dropped;
      drop(Errc::limit);
    }
    return;
  }
  send_forward(now, *a, dgram, fx);
}

void Engine::customer_control(Time now, size_t ci, ByteSpan msg, Effects& fx) {
  auto m = wire::parse_customer_control(msg);
  if (!m) return drop(m.error());
  // Paper §4.5: the initiator (at its entrance) or the responder (at its
  // exit) asks for DESTROY; it runs along the whole ANT.
  if (Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(ci), m->src, m->dst}))
    return teardown(now, *a, SignalReason::requested, false, true, fx);
  if (Ant* x = ants_.find_exit(ExitKey{static_cast<uint32_t>(ci) + 1, m->dst, m->src}))
    return teardown(now, *x, SignalReason::requested, true, false, fx);
  ++stats_.unknown_destroy;
  drop(Errc::not_found);
}

// ---------------------------------------------------------------- exit -----

void Engine::exit_deliver(Time now, Ant& a, MutByteSpan dgram, Effects& fx) {
  auto info = wire::parse_ip_packet(dgram);
  if (!info) return drop(info.error());
  if (!a.bound) {
    // The first datagram fixes the ANT's inner pair (CREATE does not carry it).
    a.inner_src = info->src;
    a.inner_dst = info->dst;
    a.exposed_src = info->src;
    if (a.deliver_to_responder) {
      const auto& serves = customers_[a.responder].cfg.serves;
      bool in = serves.empty();
      for (const auto& p : serves) in = in || p.contains(info->dst);
      if (!in) return drop(Errc::not_found);
      ExitKey k{a.responder + 1, info->src, info->dst};
      if (ants_.find_exit(k)) {
        // Another live ANT already uses this source towards this responder.
        auto addr = pool_.acquire(info->family, rng_);
        if (!addr) return drop(Errc::exists);
        a.exposed_src = *addr;
        a.rewritten = true;
        a.owns_pool_address = true;
        k.local_side = *addr;
      }
      if (!ants_.bind_exit(a, k)) return drop(Errc::exists);
    } else if (pool_.serves(info->family)) {
      auto addr = pool_.acquire(info->family, rng_);
      if (!addr) return drop(addr.error());
      a.exposed_src = *addr;
      a.rewritten = true;
      ants_.bind_pool(a, *addr);
    } else if (!ants_.bind_exit(a, ExitKey{0, info->src, info->dst})) {
      return drop(Errc::exists);  // same pair on another ANT and no pool to separate them
    }
    a.bound = true;
  } else if (info->src != a.inner_src || info->dst != a.inner_dst) {
    return drop(Errc::unsupported);  // one ANT carries one inner pair
  }
  if (a.rewritten && !ok(rewrite_address(dgram, AddressField::source, a.exposed_src)))
    return drop(Errc::malformed);
  (void)now;
  if (a.deliver_to_responder) {
    Customer& c = customers_[a.responder];
    auto out = c.bundle.seal(dgram, wire::tunnel_next_header(info->family), mid_, tx_, rng_);
    if (!out) return drop(out.error());
    ++c.packets_out;
    ++stats_.packets_out;
    fx.send_packet(c.cfg.tunnel_address, *out);
    return;
  }
  ++stats_.delivered_local;
  fx.deliver_local(dgram);
}

void Engine::handle_local(Time now, ByteSpan datagram, Effects& fx) {
  ++stats_.packets_in;
  if (datagram.size() > max_datagram_) return drop(Errc::limit);
  auto info = wire::parse_ip_packet(datagram);
  if (!info) return drop(info.error());
  Ant* a = ants_.find_exit_by_pool(info->dst);
  if (!a) a = ants_.find_exit(ExitKey{0, info->dst, info->src});
  if (!a || !a->up) return drop(Errc::not_found);
  std::memcpy(rx_.data(), datagram.data(), datagram.size());
  MutByteSpan d(rx_.data(), datagram.size());
  if (a->rewritten && !ok(rewrite_address(d, AddressField::destination, a->inner_src)))
    return drop(Errc::malformed);
  send_backward(now, *a, d, fx);
}

void Engine::send_backward(Time now, Ant& a, MutByteSpan dgram, Effects& fx) {
  if (!a.up || a.prev_pvt < 0) return drop(Errc::not_found);
  if (!ok(wrap_backward(*a.hop_keys, CellType::data, dgram, rng_, cell_)))
    return drop(Errc::invalid_argument);
  touch(now, a);
  ++a.packets_bwd;
  a.bytes_bwd += cell_.size();
  a.datagram_bytes_bwd += dgram.size();
  seal_and_send_tvt(*a.sa_out_bwd, static_cast<size_t>(a.prev_pvt), cell_, fx);
}

// ---------------------------------------------------------------- teardown -

Result<uint64_t> Engine::create_ant(Time now, uint32_t customer_id, const IpAddress& src,
                                    const IpAddress& dst, Effects& fx,
                                    std::span<const NodeId> route) {
  for (size_t i = 0; i < customers_.size(); ++i) {
    if (customers_[i].cfg.id != customer_id) continue;
    if (Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(i), src, dst})) {
      if (!route.empty() && !std::equal(route.begin(), route.end(), a->route.begin(), a->route.end()))
        return Errc::exists;
      return a->handle;
    }
    Errc why = Errc::ok;
    Ant* a = start_ant(now, i, src, dst, fx, &why, route);
    if (!a) return why;
    return a->handle;
  }
  return Errc::not_found;
}

Errc Engine::destroy_ant(Time now, uint64_t handle, Effects& fx) {
  Ant* a = ants_.find(handle);
  if (!a) return Errc::not_found;
  teardown(now, *a, SignalReason::requested, true, true, fx);
  return Errc::ok;
}

void Engine::shutdown(Time now, Effects& fx) {
  std::vector<uint64_t> all;
  all.reserve(ants_.size());
  for (const auto& [h, a] : ants_.all()) all.push_back(h);
  for (uint64_t h : all)
    if (Ant* a = ants_.find(h)) teardown(now, *a, SignalReason::requested, true, true, fx);
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

void Engine::remove_ant(Ant& a) {
  timers_.cancel(a.t_setup);
  timers_.cancel(a.t_expiry);
  timers_.cancel(a.t_idle);
  if (a.pending.size()) {
    stats_.pending_dropped += a.pending.size();
    drops_[static_cast<size_t>(Errc::limit)] += a.pending.size();
  }
  if (a.owns_pool_address) pool_.release(a.exposed_src);
  ants_.erase(a.handle);  // indices, SAs and keys go with it (secrets wiped)
}

void Engine::touch(Time now, Ant& a) { a.last_active = now; }

void Engine::arm_lifetime(Time now, Ant& a) {
  if (a.lifetime.ns > 0)
    a.t_expiry = timers_.schedule(a.created + a.lifetime, {TimerKind::ant_expiry, a.handle});
  if (a.idle.ns > 0) a.t_idle = timers_.schedule(now + a.idle, {TimerKind::ant_idle, a.handle});
}

// ---------------------------------------------------------------- timers ---

void Engine::handle_timers(Time now, Effects& fx) {
  // Bounded: each timer fires once per call; re-armed ones are in the future.
  while (auto k = timers_.pop_due(now)) on_timer(now, *k, fx);
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
  Ant* a = ants_.find(k.target);
  if (!a) return;
  switch (k.kind) {
    case TimerKind::ant_setup:
      a->t_setup = {};
      if (!a->up) attempt_failed(now, *a, SignalReason::timeout, true, fx);
      return;
    case TimerKind::ant_expiry:
      a->t_expiry = {};
      return teardown(now, *a, SignalReason::expired, true, true, fx);
    case TimerKind::ant_idle:
      a->t_idle = {};
      if (now - a->last_active >= a->idle)
        return teardown(now, *a, SignalReason::idle, true, true, fx);
      a->t_idle = timers_.schedule(a->last_active + a->idle, {TimerKind::ant_idle, a->handle});
      return;
    case TimerKind::pvt_keepalive: return;
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

// ---------------------------------------------------------------- views ----

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
    if (a->role == Role::entrance) i.route = a->route;
    if (a->role == Role::exit && a->bound) i.exit_src = a->exposed_src;
    if (a->role == Role::exit && a->deliver_to_responder) i.responder = customers_[a->responder].cfg.id;
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
    out.push_back(std::move(i));
  }
  std::sort(out.begin(), out.end(), [](const AntInfo& x, const AntInfo& y) { return x.handle < y.handle; });
  return out;
}

EngineStats Engine::stats() const {
  EngineStats s = stats_;
  s.drops = drops_;
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
    for (const auto& [h, a] : ants_.all())
      if ((a->role == Role::entrance && a->customer == i) ||
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
  for (const auto& [h, a] : ants_.all())
    s.tvt_sas += (a->sa_in_fwd != nullptr) + (a->sa_out_fwd != nullptr) +
                 (a->sa_in_bwd != nullptr) + (a->sa_out_bwd != nullptr);
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
      const std::array<uint8_t, wire::kTvtNonceSize>* nonce;
      const sa::SecurityAssociation* fwd;
      const sa::SecurityAssociation* bwd;
      bool fwd_inbound;
    };
    const Link links[] = {{a->prev_pvt, &a->nonce_prev, a->sa_in_fwd.get(), a->sa_out_bwd.get(), true},
                          {a->next_pvt, &a->nonce_next, a->sa_out_fwd.get(), a->sa_in_bwd.get(), false}};
    for (const Link& l : links) {
      if (l.pvt < 0 || !l.fwd || !l.bwd) continue;
      const Pvt& p = pvts_[static_cast<size_t>(l.pvt)];
      TvtAhKeys k;
      const bool keys = with_keys && ok(derive_tvt_keys(p.tvt_secret.span(), *l.nonce, l.fwd->spi(),
                                                        l.bwd->spi(), k));
      for (bool forward : {true, false}) {
        const sa::SecurityAssociation& s = forward ? *l.fwd : *l.bwd;
        TvtSaInfo i;
        i.ant = h;
        i.peer = p.peer;
        i.forward = forward;
        i.inbound = forward == l.fwd_inbound;
        i.spi = s.spi();
        i.src = i.inbound ? p.address : self_addr_;
        i.dst = i.inbound ? self_addr_ : p.address;
        i.carrier = cfg_.carrier;
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
