#include "endpoint/endpoint_node.h"

#include <algorithm>
#include <cstdio>

#include "endpoint/endpoint_metrics.h"
#include "io/clock.h"
#include "io/tun_read_rounds.h"

namespace ainet::endpoint {

void log_line(const std::string& s) {
  std::fprintf(stderr, "ain-endpoint: %s\n", s.c_str());
  std::fflush(stderr);
}

EndpointNode::EndpointNode(const EndpointConfig& cfg, EndpointDatapath dp, io::TunDevice tun,
                           std::unique_ptr<daemon::CarrierIo> carrier)
    : cfg_(cfg),
      dp_(std::move(dp)),
      tun_(std::move(tun)),
      carrier_(std::move(carrier)),
      ain_(cfg.ain_address),
      started_(io::monotonic_now()) {
  // endpoint.tun_offload (docs/tun-offload.md): super-packets cut at the
  // TUN MTU, the datagram size the kernel would have made; the batch
  // holds a 64 KB one whole.
  if (tun_->vnet_hdr()) {
    const size_t max_datagram =
        std::min(static_cast<size_t>(cfg.tun_mtu), EndpointDatapath::kMaxPacket);
    vnet_.emplace(max_datagram);
    tun_in_ = io::PacketBatch(io::TunOffloadIo::batch_slots(max_datagram));
  }
  if (cfg.ike.enabled) ike_ = std::make_unique<EndpointIkeClient>(cfg, rng_, *this);
}

// ---- IKE (endpoint.ike) -------------------------------------------------------

void EndpointNode::on_ike_readable(int fd) {
  ike_->on_readable(fd, io::monotonic_now());
  flush();
}

void EndpointNode::ike_tick(Time now) {
  if (!ike_) return;
  ike_->tick(now);
  flush();
}

void EndpointNode::ike_shutdown() {
  if (!ike_ || ike_->handle() == 0) return;
  const Time now = io::monotonic_now();
  if (ok(ike_->engine().terminate_ike(now, ike_->handle(), *ike_)))
    log_line("IKE: Delete sent to the AIN");
  ike_->drain(now);
  flush();
}

bool EndpointNode::ike_child_up(const ike::ChildSaUp& up) {
  if (!up.udp_encap) {
    // The carrier socket is UDP: bare ESP (IP protocol 50) cannot reach it.
    log_line("child SA " + std::to_string(up.spi_in) + " is not UDP-encapsulated: deleted");
    return false;
  }
  if (Status st = dp_.install(up.outbound, up.inbound); !ok(st)) {
    log_line(std::string("child SA not installed: ") + std::string(to_string(st)));
    return false;
  }
  // A new IKE SA after a lost one may bring another CP address; the TUN's
  // cannot change without CAP_NET_ADMIN, long dropped.
  if (up.virtual_ip4 && cfg_.role == Role::initiator && !cfg_.inner_addresses.empty() &&
      *up.virtual_ip4 != cfg_.inner_addresses.front())
    log_line("IKE: the AIN now assigns " + up.virtual_ip4->to_string() + " but the TUN has " +
             cfg_.inner_addresses.front().to_string() + ": restart ain-endpoint to use it");
  // RFC 7296 §2.23: ESP goes where the authenticated IKE SA now is.
  carrier_->learn_peer_port(up.remote.addr, up.remote.port);
  spi_out_ = up.spi_out;
  return true;
}

void EndpointNode::ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) {
  if (!carrier_->queue_to(remote.addr, remote.port, payload))
    note_error("IKE on the carrier port: not a udp carrier");
}

// ---- Data path ------------------------------------------------------------------

void EndpointNode::on_tun_readable() {
  const Time now = io::monotonic_now();  // one clock read per wake-up, not per packet
  // Each round's datagrams go out before the next read (io/tun_read_rounds.h).
  const io::TunReadOutcome r =
      io::read_tun_rounds(*tun_, vnet_ ? &*vnet_ : nullptr, tun_in_, [&](const io::PacketBatch& b) {
        for (size_t i = 0; i < b.size(); ++i) send_inner(b.packet(i), now);
        flush();
      });
  tun_dropped_ += r.dropped;
  if (r.error) note_error("TUN read: " + r.error->message());
}

void EndpointNode::send_inner(ByteSpan datagram, Time now) {
  if (cfg_.shaping.shaped()) {
    // Shaped (docs/protocol.md "Shaping"): the datagram waits for the next
    // slot; a full queue refuses it.
    shaper_.offer();
    if (queue_.size >= cfg_.queue || !pool_.push(queue_, datagram)) {
      ++queue_drops_;
      return;
    }
    flows_.record(datagram, now);
    return;
  }
  auto sealed = dp_.outbound(datagram, rng_);
  if (!sealed) return;
  carrier_->queue(ain_, *sealed);
  flows_.record(datagram, now);
}

void EndpointNode::on_carrier_readable(int fd) {
  const Time now = io::monotonic_now();
  for (int round = 0; round < 4; ++round) {
    const size_t n = carrier_->receive(
        fd, [&](const std::optional<wire::IpAddress>& src, uint16_t port, ByteSpan pkt) {
          // RFC 3948 §2.2: four zero octets, then an IKE message (after the
          // NAT float, RFC 7296 §2.23) for the IKE engine.
          if (ike_ && src && pkt.size() > 4 && (pkt[0] | pkt[1] | pkt[2] | pkt[3]) == 0) {
            ike_->on_encap(now, *src, port, pkt);
            return;
          }
          auto inner = dp_.inbound(src, pkt);
          if (!inner) return;
          flows_.count_reply(*inner, now);
          if (tun_out_.full()) write_tun();
          if (!tun_out_.push(*inner, io::SocketAddress{})) ++tun_dropped_;
        });
    if (n == 0) break;
    flush();
    if (carrier_->drained()) break;  // nothing more waiting: no EAGAIN read
  }
}

size_t EndpointNode::destroy_all() {
  size_t n = 0;
  flows_.for_each([&](const FlowPair& p) {
    wire::CustomerControl msg;
    msg.command = wire::CustomerCommand::destroy;
    msg.src = p.src;
    msg.dst = p.dst;
    auto sealed = dp_.control(msg, rng_);
    if (!sealed) return;
    carrier_->queue(ain_, *sealed);
    ++n;
  });
  flush();
  return n;
}

void EndpointNode::flush() {
  carrier_->flush();
  write_tun();
  if (auto e = carrier_->take_error()) note_error("carrier I/O: " + e->message());
}

void EndpointNode::write_tun() {
  if (tun_out_.size() == 0) return;
  // With offloads: in-order TCP segments of a flow join into one write.
  auto r = vnet_ ? vnet_->write_batch(*tun_, tun_out_) : tun_->write_batch(tun_out_);
  if (r) {
    tun_dropped_ += r->dropped;
  } else {
    tun_dropped_ += tun_out_.size();
    note_error("TUN write: " + r.error().message());
  }
  tun_out_.clear();
}

// ---- Shaping ([shaping]) --------------------------------------------------------

void EndpointNode::start_shaping(Time now) {
  if (!cfg_.shaping.shaped()) return;
  pool_ = core::CellQueuePool(cfg_.queue, EndpointDatapath::kMaxPacket);
  const int64_t per = cfg_.shaping.period(0).ns;
  shaper_.start(cfg_.shaping, now,
                Duration{static_cast<int64_t>(rng_.u64() % static_cast<uint64_t>(per))});
}

// Every slot due at `now` carries the oldest waiting datagram, else a dummy
// (RFC 4303 §2.6). Bounded: each slot moves the next one a period on, and
// FlowShaper re-anchors after a long stall.
Time EndpointNode::run_slots(Time now) {
  if (!cfg_.shaping.shaped()) return Time::max();
  while (shaper_.next <= now) {
    bool sent = false;
    // A queued datagram the datapath refuses (e.g. link-scoped) does not
    // spend the slot; at most a few are tried before a dummy goes.
    for (int tries = 0; tries < 4 && !queue_.empty() && !sent; ++tries) {
      auto sealed = dp_.outbound(pool_.front(queue_), rng_);
      pool_.pop(queue_);
      if (!sealed) continue;
      carrier_->queue(ain_, *sealed);
      ++shaper_.real_sent;
      sent = true;
    }
    if (!sent) {
      if (auto d = dp_.dummy(rng_)) carrier_->queue(ain_, *d);
      ++shaper_.dummy_sent;
    }
    shaper_.advance(cfg_.shaping, now, queue_.size);
  }
  flush();
  return shaper_.next;
}

// ---- Status, metrics, logs ----------------------------------------------------

EndpointStatus EndpointNode::status() {
  const Time now = io::monotonic_now();
  auto s = endpoint_status(cfg_, dp_.counters(), flows_, io_counters(),
                           (now - started_).ns / 1'000'000'000);
  s.cpu_latency_us = cpu_latency_held_;
  if (ike_) {
    s.ike = endpoint_ike_status(ike_->engine(), now, ike_->failure());
    s.esp_spi_in = dp_.current_spi_in();
    s.esp_spi_out = dp_.keyed() ? spi_out_ : 0;
    if (ike_->virtual_ip4()) s.inner_addresses = {ike_->virtual_ip4()->to_string()};
  }
  return s;
}

std::string EndpointNode::metrics_text() {
  return endpoint_metrics_text(
      cfg_, dp_.counters(), dp_.sa_drops(), flows_, io_counters(),
      static_cast<double>((io::monotonic_now() - started_).ns / 1'000'000) / 1e3);
}

EndpointIoCounters EndpointNode::io_counters() const {
  const auto& c = carrier_->counters();
  EndpointIoCounters io{tun_dropped_, c.sent, c.send_dropped, c.received, c.recv_dropped};
  io.carrier_bytes_sent = c.bytes_sent;
  io.carrier_bytes_received = c.bytes_received;
  io.shaped_sent = shaper_.real_sent;
  io.shaping_queue_drops = queue_drops_;
  io.queued = queue_.size;
  if (vnet_) io.tun_offload = vnet_->counters();
  return io;
}

namespace {
unsigned long long ull(uint64_t v) {
  return static_cast<unsigned long long>(v);
}
}  // namespace

void EndpointNode::report() const {
  const auto& c = dp_.counters();
  const auto& io = carrier_->counters();
  char buf[512];
  std::snprintf(
      buf, sizeof buf,
      "counters: sealed %llu, opened %llu; dropped: seal %llu, not from AIN %llu, non-ESP %llu, "
      "open %llu (SA drops %llu), not IP %llu, too big %llu, bad TUN datagram %llu, TUN I/O %llu; "
      "carrier sent %llu (dropped %llu), received %llu (dropped %llu)",
      ull(c.sealed), ull(c.opened), ull(c.seal_failed), ull(c.not_from_ain), ull(c.not_esp),
      ull(c.open_failed), ull(dp_.sa_drops()), ull(c.not_ip), ull(c.too_big), ull(c.bad_inner),
      ull(tun_dropped_), ull(io.sent), ull(io.send_dropped), ull(io.received),
      ull(io.recv_dropped));
  log_line(buf);
}

void EndpointNode::note_error(const std::string& what) {
  ++errors_;
  if (errors_ <= 5 || errors_ % 1000 == 0)
    log_line(what + " (error #" + std::to_string(errors_) + ")");
}

}  // namespace ainet::endpoint
