// The engine as a dispatcher: it owns the tables (PVTs, customers, ANTs and
// their SPI index, timers, exit pool) and hands every input to the file that
// handles that concern:
//   signaling.cc  CREATE / CREATED / CREATE_FAILED / DESTROY on the PVTs
//   ant_setup.cc  the entrance builds an ANT: route, nested CREATE, retries
//   tvt.cc        TVT keys and SAs, inbound cells, relaying at intermediates
//   entrance.cc   customer tunnels: datagrams in, onion-wrapped cells out
//   exit.cc       exit delivery (TUN or registered responder) and replies
//   expiry.cc     timers: keepalives, set-up timeout, hard and idle expiry
//   views.cc      the ainctl views (ants, pvts, customers, stats, TVT SAs)
// docs/architecture.md follows one datagram and one CREATE through them.
#include "core/engine.h"

#include <algorithm>
#include <cstring>

#include "core/link_sizes.h"
#include "crypto/kex.h"
#include "wire/ah.h"
#include "wire/ip_packet.h"
#include "wire/udp_encap.h"

namespace ainet::core {

namespace {

constexpr size_t kBufferSize = wire::kMaxIpPacketLen + 256;

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
  if (cfg_.route_length < 2 || cfg_.route_length > wire::kMaxHops + 1)
    return Errc::invalid_argument;
  if (cfg_.setup_attempts < 1 || cfg_.keepalive_interval.ns <= 0) return Errc::invalid_argument;
  if (cfg_.onion_private.size() != crypto::kX25519KeySize) return Errc::invalid_argument;
  auto pub = crypto::x25519_public(cfg_.onion_private.span());
  if (!pub) return pub.error();
  // The directory must publish the key we hold, or no CREATE would open.
  if (*pub != self->onion_key) return Errc::invalid_argument;
  auto onion = crypto::X25519StaticKey::make(cfg_.onion_private.span(), *pub);
  if (!onion) return onion.error();
  onion_ = std::move(*onion);

  // Paper §5.4: signaling packets as long as data cells on every link.
  auto sig_len = signaling_size(cfg_.carrier, cfg_.tvt_integrity, cfg_.cell_size, wire::kSignalingSize);
  if (!sig_len) return sig_len.error();
  const ShapingConfig& sh = cfg_.shaping;
  if (sh.ant.check() != Errc::ok || sh.customer.check() != Errc::ok || sh.queue == 0 ||
      sh.pool == 0 || (sh.cover_ants > 0 && !sh.ant.shaped()))
    return Errc::invalid_argument;

  rx_.assign(kBufferSize, 0);
  tx_.assign(kBufferSize, 0);
  cell_.assign(cfg_.cell_size, 0);
  sig_.assign(*sig_len, 0);
  max_datagram_ = max_cell_datagram(cfg_.cell_size);
  pad_.assign(max_datagram_, 0);
  drops_.assign(kErrcCount, 0);
  pool_ = ExitPool(cfg_.exit_pool);

  pvts_.reserve(cfg_.pvts.size());
  for (const auto& pc : cfg_.pvts) {
    const AinEntry* peer = dir_->find(pc.peer);
    if (!peer || pc.peer == cfg_.self || pvt_index(pc.peer) >= 0) return Errc::invalid_argument;
    if (peer->address.family() != self_addr_.family()) return Errc::invalid_argument;
    Pvt p;
    p.peer = pc.peer;
    p.address = peer->address;
    p.last_rx = now;
    if (pc.ike) {
      // Keyed later by pvt_sa_up (pvt_sa.cc); its ESP comes UDP-encapsulated.
      if (cfg_.carrier != Carrier::udp) return Errc::unsupported;
      p.ike = true;
      p.up = false;
      p.gens.reserve(kPvtMaxGenerations);
      pvts_.push_back(std::move(p));
      continue;
    }
    if (pc.tvt_secret.empty()) return Errc::invalid_argument;
    auto b = TunnelBundle::create(cfg_.carrier, pc.out, pc.in, self_addr_, peer->address,
                                  cfg_.replay_window);
    if (!b) return b.error();
    PvtGeneration g;
    g.bundle = std::move(*b);
    g.confirmed = true;
    if (!g.tvt_secret.assign(pc.tvt_secret)) return Errc::invalid_argument;
    if (!ants_.add_spi(g.bundle.inbound_spi(), {SpiRef::Kind::pvt, pvts_.size()}))
      return Errc::exists;
    p.gens.push_back(std::move(g));
    pvts_.push_back(std::move(p));
  }
  for (size_t i = 0; i < pvts_.size(); ++i)
    pvts_[i].keepalive =
        timers_.schedule(now + cfg_.keepalive_interval, {TimerKind::pvt_keepalive, i});

  customers_.reserve(cfg_.customers.size());
  for (const auto& cc : cfg_.customers) {
    for (const auto& other : customers_)
      if (other.cfg.id == cc.id) return Errc::invalid_argument;
    Customer c;
    c.cfg = cc;
    if (cc.ike) {
      // Keyed later by customer_sa_up; UDP-encapsulated ESP arrives on the
      // udp carrier's socket, or on the ip carrier by handle_encap_packet
      // from the IKE node's port 4500 (docs/ike.md "Customer tunnels").
      customers_.push_back(std::move(c));
      continue;
    }
    if (cc.tunnel_address.family() != self_addr_.family()) return Errc::invalid_argument;
    auto b = TunnelBundle::create(cfg_.carrier, cc.out, cc.in, self_addr_, cc.tunnel_address,
                                  cfg_.replay_window);
    if (!b) return b.error();
    c.bundle = std::move(*b);
    if (!ants_.add_spi(c.bundle.inbound_spi(), {SpiRef::Kind::customer, customers_.size()}))
      return Errc::exists;
    customers_.push_back(std::move(c));
  }
  if (sh.customer.shaped()) {
    cell_pool_ = CellQueuePool(sh.pool, max_datagram_);
    for (size_t ci = 0; ci < customers_.size(); ++ci) {
      Customer& c = customers_[ci];
      c.shaper.start(sh.customer, now,
                     Duration{static_cast<int64_t>(
                         rng_.u64() % static_cast<uint64_t>(sh.customer.period(0).ns))});
      slots_.set(kCustomerSlot | ci, c.shaper.next);
    }
  }
  if (sh.cover_ants > 0)
    t_cover_ = timers_.schedule(now + cfg_.keepalive_interval, {TimerKind::cover, 0});
  return init_tickets();
}

void Engine::set_directory(std::shared_ptr<const Directory> dir) {
  if (!dir) return;
  dir_ = std::move(dir);
  if (verifier_) verifier_->set_issuers(*dir_);  // ticket keys come with the directory
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
    case SpiRef::Kind::pvt:
      return on_pvt_packet(now, r.id, spi, src, pkt, fx);
    case SpiRef::Kind::customer:
      return on_customer_packet(now, r.id, src, pkt, fx);
    case SpiRef::Kind::ant_fwd:
    case SpiRef::Kind::ant_bwd: {
      Ant* a = ants_.find(r.id);
      if (!a) return drop(Errc::unknown_spi);
      return on_tvt_packet(now, *a, r.kind == SpiRef::Kind::ant_fwd, src, pkt, fx);
    }
  }
}

Result<sa::OpenedPacket> Engine::open_tunnel(TunnelBundle& b, const IpAddress& expected,
                                             const IpAddress& src, MutByteSpan pkt,
                                             uint64_t& drops) {
  if (src != expected) {
    ++drops;
    ++stats_.source_mismatch;
    drop(Errc::auth_failed);
    return Errc::auth_failed;
  }
  auto o = b.open(pkt);
  if (!o) {
    ++drops;
    drop(o.error());
  }
  return o;
}

// ------------------------------------------------------- operator commands -

Result<uint64_t> Engine::create_ant(Time now, uint32_t customer_id, const IpAddress& src,
                                    const IpAddress& dst, Effects& fx,
                                    std::span<const NodeId> route) {
  for (size_t i = 0; i < customers_.size(); ++i) {
    if (customers_[i].cfg.id != customer_id) continue;
    if (Ant* a = ants_.find_entrance(EntranceKey{static_cast<uint32_t>(i), src, dst})) {
      if (!route.empty() &&
          !std::equal(route.begin(), route.end(), a->ent->route.begin(), a->ent->route.end()))
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

}  // namespace ainet::core
