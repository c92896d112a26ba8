#include "daemon/ain_node.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/onion.h"
#include "daemon/sa_listing.h"
#include "io/clock.h"
#include "io/tun_read_rounds.h"
#include "wire/udp_encap.h"

namespace ainet::daemon {

namespace {
// RFC 3948 §2.2: an IKE message on udp_port starts with the non-ESP marker.
bool is_ike(ByteSpan pkt) {
  auto u = wire::classify_udp_encap(pkt);
  return u && u->kind == wire::UdpEncapKind::ike;
}
}  // namespace

DirectoryResult load_directory_file(const AindConfig& cfg, int64_t now_unix) {
  DirectoryResult r;
  std::ifstream f(cfg.directory_file, std::ios::binary);
  if (!f) {
    r.error = cfg.directory_file + ": cannot read: " + std::strerror(errno);
    return r;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  core::DirectoryLoad d =
      core::load_directory(ss.str(), cfg.authority_key, static_cast<uint64_t>(now_unix < 0 ? 0 : now_unix));
  if (!d.ok()) {
    r.error = cfg.directory_file + ": " + d.message;
    return r;
  }
  const core::AinEntry* self = d.directory.find(cfg.engine.self);
  if (!self) {
    r.error = cfg.directory_file + ": does not list this node (id " + std::to_string(cfg.engine.self) + ")";
    return r;
  }
  if (self->onion_key != cfg.onion_public) {
    r.error = cfg.directory_file + ": lists another onion key for node " + std::to_string(cfg.engine.self) +
              " than node.onion_key in the config";
    return r;
  }
  if (!cfg.identity_seed.empty() && self->identity_key != cfg.identity_public) {
    r.error = cfg.directory_file + ": lists another identity key for node " + std::to_string(cfg.engine.self) +
              " than node.identity_key in the config";
    return r;
  }
  r.directory = std::make_shared<const core::Directory>(std::move(d.directory));
  return r;
}

std::string check_remote_responders(const AindConfig& cfg, const core::Directory& dir) {
  for (size_t i = 0; i < cfg.engine.remote_responders.size(); ++i) {
    const core::NodeId exit = cfg.engine.remote_responders[i].exit;
    if (!dir.find(exit))
      return "remote_responder[" + std::to_string(i) + "].exit: AIN " + std::to_string(exit) + " is not in " +
             cfg.directory_file;
  }
  return {};
}

AinNode::AinNode(AindConfig cfg, std::unique_ptr<core::Engine> engine, std::shared_ptr<const core::Directory> dir,
                 std::unique_ptr<CarrierIo> carrier, std::optional<io::TunDevice> tun, spdlog::logger& log,
                 Time started)
    : cfg_(std::move(cfg)),
      engine_(std::move(engine)),
      dir_(std::move(dir)),
      carrier_(std::move(carrier)),
      tun_(std::move(tun)),
      log_(log),
      started_(started) {
  // Only the configured PVT peers and customers hold SAs that can
  // authenticate a packet, so at most that many ports are ever learned.
  carrier_->set_peer_capacity(cfg_.engine.pvts.size() + cfg_.engine.customers.size());
  // [network] tun_offload (docs/tun-offload.md): super-packets read from the
  // TUN are cut so that every segment fits one cell (core/onion.h), and no
  // larger than the TUN MTU would have made them.
  if (tun_ && tun_->vnet_hdr()) {
    const size_t max_datagram =
        std::min(core::max_cell_datagram(cfg_.engine.cell_size), static_cast<size_t>(cfg_.tun_mtu));
    vnet_.emplace(max_datagram);
    tun_in_ = io::PacketBatch(io::TunOffloadIo::batch_slots(max_datagram));
  }
}

// ---- Event inputs -----------------------------------------------------------

void AinNode::on_carrier_readable(int fd, Time now) {
  now_ = now;
  // Up to 4 batches per wake-up, then back to the loop (level-triggered), so
  // one busy socket cannot starve the others or the timers.
  for (int round = 0; round < 4; ++round) {
    const size_t n =
        carrier_->receive(fd, [&](const std::optional<wire::IpAddress>& src, uint16_t port, ByteSpan pkt) {
          if (src && ike_ && is_ike(pkt)) {
            // RFC 3948 §2.2: the non-ESP marker; IKE after the float (§2.23).
            ike_->on_encap(now, *src, port, pkt);
          } else if (src) {
            // Remembered for peer_authenticated only; the engine decides
            // whether this packet is genuine.
            current_port_ = port;
            engine_->handle_packet(now, *src, pkt, *this);
            current_port_ = 0;
          } else {
            engine_->handle_packet(now, pkt, *this);
          }
        });
    if (n == 0 || carrier_->drained()) break;
  }
  flush();
  log_io_errors(now);
}

void AinNode::on_tun_readable(Time now) {
  now_ = now;
  if (!tun_) return;
  // Bounded rounds; the engine queues, one flush at the end (io/tun_read_rounds.h).
  const io::TunReadOutcome r =
      io::read_tun_rounds(*tun_, vnet_ ? &*vnet_ : nullptr, tun_in_, [&](const io::PacketBatch& b) {
        for (size_t i = 0; i < b.size(); ++i) engine_->handle_local(now, b.packet(i), *this);
      });
  tun_dropped_ += r.dropped;
  uint64_t suppressed = 0;
  if (r.error && io_log_.allow(now, suppressed)) log_.warn("TUN read: {}", r.error->message());
  flush();
}

void AinNode::on_timer(Time now) {
  now_ = now;
  // Tickets' time slices follow the wall clock, which may be stepped (NTP):
  // the engine learns where it is on every timer tick (a cheap vDSO read).
  engine_->set_wall_clock(now, static_cast<uint64_t>(io::unix_seconds_now()));
  engine_->handle_timers(now, *this);
  if (ike_) ike_->on_timer(now);
  flush();
  log_io_errors(now);
}

void AinNode::shutdown(Time now) {
  now_ = now;
  engine_->shutdown(now, *this);
  flush();
  // With the send thread: the DESTROYs are out before aind exits.
  carrier_->drain();
}

ControlOutcome<DirectoryInfo> AinNode::reload(int64_t now_unix) {
  DirectoryResult r = load_directory_file(cfg_, now_unix);
  if (!r.directory) {
    log_.error("directory reload refused, keeping the current one: {}", r.error);
    return ControlOutcome<DirectoryInfo>::fail("failed", r.error);
  }
  dir_ = r.directory;
  engine_->set_directory(dir_);
  // Not a reason to refuse the directory (the authority may have dropped
  // that AIN); ANTs to that responder just find no route until it is back.
  if (std::string why = check_remote_responders(cfg_, *dir_); !why.empty()) log_.warn("{}", why);
  log_.info("directory reloaded: {} AINs, expires {}", dir_->entries().size(), dir_->expires());
  return ControlOutcome<DirectoryInfo>::ok({dir_->entries().size(), static_cast<int64_t>(dir_->expires())});
}

// ---- Effects ----------------------------------------------------------------

void AinNode::send_packet(const wire::IpAddress& dst, ByteSpan packet) { carrier_->queue(dst, packet); }

void AinNode::peer_authenticated(const wire::IpAddress& src) {
  // RFC 7296 §2.23 (the rule for IKE, applied to our manually keyed SAs): a
  // NAT mapping moves only on an authenticated packet, else anyone able to
  // spoof the peer's address could redirect its traffic. The engine calls
  // this after the SA (ICV + anti-replay) accepted the packet and before any
  // reply to it goes out, so the reply already uses the new port.
  if (current_port_ != 0) carrier_->learn_peer_port(src, current_port_);
  // ip carrier: an IKE customer's ESP in UDP came to the IKE node's 4500.
  if (current_port_ != 0 && carrier_->carrier() == core::Carrier::ip) ike_ports_.learn(src, current_port_);
}

void AinNode::deliver_local(ByteSpan datagram) {
  if (!tun_) {
    ++tun_dropped_;
    return;
  }
  if (tun_out_.full()) write_tun();
  if (!tun_out_.push(datagram, io::SocketAddress{})) ++tun_dropped_;
}

void AinNode::on_event(const core::EngineEvent& ev) {
  counters_.record(ev);  // metrics count every event; only the log is rate limited
  // Not from inside the engine's call: flush() asks IKE for the rekey.
  if (ev.kind == core::EventKind::pvt_rekey) pvt_rekeys_.push_back(ev.spi);
  uint64_t suppressed = 0;
  if (!event_log_.allow(now_, suppressed)) return;
  if (suppressed) log_.info("{} engine events not logged (rate limit)", suppressed);
  switch (ev.kind) {
    case core::EventKind::ant_up: log_.debug("ANT {} up", ev.ant); break;
    case core::EventKind::ant_down: log_.debug("ANT {} down (reason {})", ev.ant, ev.reason); break;
    case core::EventKind::ant_failed: log_.info("ANT {} could not be built (reason {})", ev.ant, ev.reason); break;
    case core::EventKind::pvt_up: log_.info("PVT to AIN {} up", ev.peer); break;
    case core::EventKind::pvt_down: log_.warn("PVT to AIN {} down", ev.peer); break;
    case core::EventKind::pvt_rekey:
      log_.info("PVT to AIN {}: sequence numbers run high, rekeying child SA 0x{:08x}", ev.peer,
                ev.spi);
      break;
  }
}

void AinNode::flush() {
  if (ike_ && !pvt_rekeys_.empty()) {
    std::vector<uint32_t> spis;
    spis.swap(pvt_rekeys_);
    for (uint32_t spi : spis) (void)ike_->engine().rekey_child(now_, spi, *ike_);
  }
  carrier_->flush();
  write_tun();
}

void AinNode::write_tun() {
  if (!tun_ || tun_out_.size() == 0) return;
  // With offloads: in-order TCP segments of a flow join into one write.
  auto r = vnet_ ? vnet_->write_batch(*tun_, tun_out_) : tun_->write_batch(tun_out_);
  if (r) tun_dropped_ += r->dropped;
  tun_out_.clear();
}

void AinNode::log_io_errors(Time now) {
  auto err = carrier_->take_error();
  if (!err) return;
  uint64_t suppressed = 0;
  if (!io_log_.allow(now, suppressed)) return;
  log_.warn("carrier I/O: {}{}", err->message(),
            suppressed ? " (" + std::to_string(suppressed) + " more not logged)" : std::string());
}

// ---- ControlHandler ---------------------------------------------------------

StatusInfo AinNode::status() {
  const core::EngineStats st = engine_->stats();
  StatusInfo s;
  s.node_id = cfg_.engine.self;
  s.node_name = cfg_.node_name;
  s.carrier = cfg_.engine.carrier == core::Carrier::ip ? "ip" : "udp";
  s.send_thread = carrier_->send_thread();
  if (s.send_thread) {
    const io::SendPipelineStats p = carrier_->pipeline_stats();
    s.send_pipeline = {{"batches", p.batches},
                       {"producer_waits", p.producer_waits},
                       {"wakeups", p.wakeups},
                       {"inline_sends", p.inline_sends}};
  }
  s.cpu_latency_us = cpu_latency_held_;
  s.uptime_s = (io::monotonic_now() - started_).ns / 1'000'000'000;
  for (const core::PvtInfo& p : engine_->pvts()) {
    ++s.pvts_total;
    s.pvts_up += p.up ? 1 : 0;
  }
  s.ants = engine_->ants().size();
  s.customers = cfg_.engine.customers.size();
  s.packets_in = st.packets_in;
  s.packets_out = st.packets_out;
  s.delivered_local = st.delivered_local;
  s.ants_created = st.ants_created;
  s.ants_destroyed = st.ants_destroyed;
  s.create_failures = st.create_failures;
  for (size_t i = 0; i < st.drops.size() && i < kErrcCount; ++i)
    if (st.drops[i]) s.drops[std::string(to_string(static_cast<Errc>(i)))] = st.drops[i];
  const CarrierCounters& c = carrier_->counters();
  if (c.recv_dropped) s.drops["io_recv"] = c.recv_dropped;
  if (c.send_dropped) s.drops["io_send"] = c.send_dropped;
  if (tun_dropped_) s.drops["io_tun"] = tun_dropped_;
  if (vnet_) {
    s.tun_offload = vnet_->counters().status_rows();
    // [network] tun_offload: TUN reads refused by why (included in io_tun)
    vnet_->counters().for_each_drop([&](const std::string& why, uint64_t n) { s.drops["io_" + why] = n; });
  }
  if (dir_) s.directory_expires = static_cast<int64_t>(dir_->expires());
  s.shaping = {{"dummy_cells_sent", st.dummy_cells_sent},
               {"dummy_cells_received", st.dummy_cells},
               {"queue_drops", st.queue_drops},
               {"customer_dummies_in", st.customer_dummies_in},
               {"customer_dummies_out", st.customer_dummies_out},
               {"cover_ants_built", st.cover_ants_built}};
  if (cfg_.engine.tickets.enabled)
    s.tickets = {{"accepted", st.tickets.accepted},
                 {"refused_missing", st.tickets.missing},
                 {"refused_malformed", st.tickets.malformed},
                 {"refused_forged", st.tickets.forged},
                 {"refused_expired", st.tickets.expired},
                 {"refused_wrong_slice", st.tickets.wrong_slice},
                 {"refused_reused", st.tickets.reused},
                 {"refused_over_quota", st.tickets.over_quota},
                 {"refused_over_capacity", st.tickets.over_capacity},
                 {"issued", st.tickets_issued.issued},
                 {"issue_over_quota", st.tickets_issued.over_quota},
                 {"issue_over_capacity", st.tickets_issued.over_capacity},
                 {"cells_over_quota", st.cells_over_quota}};
  return s;
}

std::vector<PvtRow> AinNode::list_pvts() {
  std::vector<PvtRow> rows;
  for (const core::PvtInfo& p : engine_->pvts()) {
    PvtRow r;
    r.peer = p.peer;
    r.address = p.address.to_string();
    r.up = p.up;
    r.packets_in = p.packets_in;
    r.packets_out = p.packets_out;
    r.bytes_in = p.bytes_in;
    r.bytes_out = p.bytes_out;
    if (p.last_heard) r.last_seen_ms = (io::monotonic_now() - *p.last_heard).ns / 1'000'000;
    // udp carrier: where packets to this peer go (RFC 3948 §3): the port its
    // last authenticated packet came from (a NAT's mapping), else udp_port.
    if (cfg_.engine.carrier == core::Carrier::udp) {
      r.udp_port = carrier_->peer_port(p.address);
      r.udp_port_learned = carrier_->peer_ports().learned(p.address);
    }
    r.esp_spi_in = p.spi_in;
    r.esp_spi_out = p.spi_out;
    if (p.ike) {
      r.keying = "ike";
      r.generation = p.generation;
      r.generations_live = p.generations_live;
      r.seq_out = p.seq_out;
    }
    for (const core::PvtConfig& pc : cfg_.engine.pvts) {
      if (pc.peer != p.peer || pc.ike) continue;
      r.esp_spi_in = pc.in.esp_spi;
      r.esp_spi_out = pc.out.esp_spi;
      r.ah_spi_in = pc.in.ah_spi;
      r.ah_spi_out = pc.out.ah_spi;
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

namespace {
const char* role_name(core::AntInfo::Role r) {
  switch (r) {
    case core::AntInfo::Role::entrance: return "entrance";
    case core::AntInfo::Role::intermediate: return "intermediate";
    case core::AntInfo::Role::exit: return "exit";
  }
  return "?";
}
}  // namespace

std::vector<TvtRow> AinNode::list_tvts() {
  // One row per TVT, i.e. per link of an ANT: towards the next AIN (the exit
  // side) and/or the previous AIN (the entrance side); the customer or local
  // side has none. Each SPI is labelled with the cells it carries: on the
  // link to the next AIN this AIN sends forward cells and receives backward
  // ones; on the link to the previous AIN it receives forward cells and sends
  // backward ones (paper §4.3).
  std::vector<TvtRow> rows;
  for (const core::AntInfo& a : engine_->ants()) {
    if (a.next) {
      TvtRow r;
      r.ant = a.handle;
      r.peer = a.next;
      r.link = "next";
      r.direction = "fwd";
      r.spi_in = a.spi_in_bwd;
      r.spi_in_cells = "bwd";
      r.spi_out = a.spi_out_fwd;
      r.spi_out_cells = "fwd";
      r.packets_in = a.packets_bwd;
      r.bytes_in = a.bytes_bwd;
      r.packets_out = a.packets_fwd;
      r.bytes_out = a.bytes_fwd;
      rows.push_back(std::move(r));
    }
    if (a.prev) {
      TvtRow r;
      r.ant = a.handle;
      r.peer = a.prev;
      r.link = "prev";
      r.direction = "bwd";
      r.spi_in = a.spi_in_fwd;
      r.spi_in_cells = "fwd";
      r.spi_out = a.spi_out_bwd;
      r.spi_out_cells = "bwd";
      r.packets_in = a.packets_fwd;
      r.bytes_in = a.bytes_fwd;
      r.packets_out = a.packets_bwd;
      r.bytes_out = a.bytes_bwd;
      rows.push_back(std::move(r));
    }
  }
  return rows;
}

std::vector<AntRow> AinNode::list_ants() {
  const Time now = io::monotonic_now();
  std::vector<AntRow> rows;
  for (const core::AntInfo& a : engine_->ants()) {
    AntRow r;
    r.handle = a.handle;
    r.role = role_name(a.role);
    r.up = a.up;
    if (a.role != core::AntInfo::Role::intermediate) {
      r.inner_src = a.inner_src.to_string();
      r.inner_dst = a.inner_dst.to_string();
    }
    if (a.exit_src) r.exit_src = a.exit_src->to_string();
    r.responder = a.responder;
    r.route = a.route;
    r.prev = a.prev;
    r.next = a.next;
    r.packets_fwd = a.packets_fwd;
    r.packets_bwd = a.packets_bwd;
    r.bytes_fwd = a.bytes_fwd;
    r.bytes_bwd = a.bytes_bwd;
    r.datagram_bytes_fwd = a.datagram_bytes_fwd;
    r.datagram_bytes_bwd = a.datagram_bytes_bwd;
    r.age_s = (now - a.created).ns / 1'000'000'000;
    r.idle_s = (now - a.last_active).ns / 1'000'000'000;
    r.shaping = a.shaping.describe();
    r.rate = a.shaping_rate;
    r.cells_real = a.cells_real;
    r.cells_dummy = a.cells_dummy;
    r.queue_drops = a.queue_drops;
    r.queued = a.queued;
    r.cover = a.cover;
    rows.push_back(std::move(r));
  }
  return rows;
}

std::vector<CustomerRow> AinNode::list_customers() {
  std::vector<CustomerRow> rows;
  for (const core::CustomerInfo& c : engine_->customers()) {
    CustomerRow r;
    r.id = c.id;
    r.name = c.name;
    r.tunnel_address = c.tunnel_address.to_string();
    r.packets_in = c.packets_in;
    r.packets_out = c.packets_out;
    r.shaping = c.shaping.describe();
    r.cells_real = c.cells_real;
    r.cells_dummy = c.cells_dummy;
    r.queue_drops = c.queue_drops;
    r.dummies_in = c.dummies_in;
    if (cfg_.engine.carrier == core::Carrier::udp) {
      r.udp_port = carrier_->peer_port(c.tunnel_address);
      r.udp_port_learned = carrier_->peer_ports().learned(c.tunnel_address);
    }
    r.role = "initiator";
    for (const core::CustomerConfig& cc : cfg_.engine.customers) {
      if (cc.id != c.id || cc.serves.empty()) continue;
      r.role = "responder";
      for (const auto& p : cc.serves) r.serves.push_back(p.to_string());
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

ControlOutcome<std::vector<SaRow>> AinNode::list_sas(bool with_keys) {
  if (with_keys && !cfg_.export_keys)
    return ControlOutcome<std::vector<SaRow>>::fail(
        "unavailable", "key export is off; set export_keys = true in [control] of the config to allow it");
  if (!dir_) return ControlOutcome<std::vector<SaRow>>::fail("unavailable", "no directory loaded");
  return ControlOutcome<std::vector<SaRow>>::ok(list_sa_rows(cfg_, *engine_, *dir_, with_keys));
}

ControlOutcome<uint64_t> AinNode::create_ant(const CreateAntRequest& req) {
  auto src = wire::IpAddress::parse(req.src);
  auto dst = wire::IpAddress::parse(req.dst);
  if (!src || !dst) return ControlOutcome<uint64_t>::fail("invalid", "src and dst must be IP addresses");
  if (src->family() != dst->family())
    return ControlOutcome<uint64_t>::fail("invalid", "src and dst must be of the same address family");
  const Time now = io::monotonic_now();
  now_ = now;
  auto h = engine_->create_ant(now, req.customer, *src, *dst, *this, req.route);
  flush();
  if (!h) {
    const Errc e = h.error();
    if (!req.route.empty()) {
      // core::check_route's refusals, in the operator's words.
      const char* why = e == Errc::invalid_argument ? "the route must start at this AIN, have 2..9 AINs and no loop"
                        : e == Errc::not_found      ? "an AIN or a PVT link of the route is not in the directory, "
                                                      "or the first link is down (or no such customer)"
                        : e == Errc::unsupported    ? "the last AIN of the route is not an exit for dst"
                        : e == Errc::exists         ? "an ANT for this src/dst already runs on another route"
                                                    : nullptr;
      if (why) return ControlOutcome<uint64_t>::fail(e == Errc::exists ? "failed" : "invalid",
                                                     "create_ant: " + std::string(why));
    }
    return ControlOutcome<uint64_t>::fail(e == Errc::not_found ? "not_found" : "failed",
                                          "create_ant: " + std::string(to_string(e)));
  }
  return ControlOutcome<uint64_t>::ok(*h);
}

ControlOutcome<Done> AinNode::destroy_ant(uint64_t handle) {
  const Time now = io::monotonic_now();
  now_ = now;
  const Errc e = engine_->destroy_ant(now, handle, *this);
  flush();
  if (e == Errc::ok) return ControlOutcome<Done>::ok({});
  if (e == Errc::not_found) return ControlOutcome<Done>::fail("not_found", "no ANT " + std::to_string(handle));
  return ControlOutcome<Done>::fail("failed", "destroy_ant: " + std::string(to_string(e)));
}

ControlOutcome<DirectoryInfo> AinNode::reload_directory() { return reload(io::unix_seconds_now()); }

}  // namespace ainet::daemon
