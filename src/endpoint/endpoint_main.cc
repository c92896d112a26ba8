// ain-endpoint: the customer endpoint (paper §4.4, §5.1). An initiator or
// responder host runs it to attach to its AIN: a TUN device carrying the
// host's inner traffic, and an ESP+AH tunnel with manual keys to the AIN
// (ESP alone over the udp carrier, RFC 3948).
//
//   ain-endpoint --config endpoint.toml [--check]
//   ain-endpoint --version
//
// With `[control] socket` set, it serves that Unix socket with aind's
// JSON-lines protocol (docs/control.md "ain-endpoint"): `ainctl --socket PATH
// status` shows the tunnel, counters and inner flows.
//
// Loop: epoll over the TUN and the carrier sockets. TUN -> seal -> AIN;
// carrier -> open (anything failing is dropped and counted) -> TUN. Batched:
// TUN datagrams are read up to a batch at a time, carrier packets go out with
// one sendmmsg per flush and come in with recvmmsg. SIGTERM/SIGINT end it: a
// customer control DESTROY goes to the AIN for every inner pair sent, then
// closing the TUN removes the interface and its routes. SIGHUP (systemctl
// reload) logs the counters and goes on: there is nothing to reload.
//
// A timer ages idle pairs out of the flow table (flow_idle_timeout). After
// set-up (TUN, `ip` link commands, carrier sockets, control socket, metrics
// port) every capability is dropped (io/privileges.h); with [metrics] listen
// a libmicrohttpd thread serves GET /metrics (io/metrics_http_server.h).
#include <signal.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/cell_queue.h"
#include "core/flow_shaper.h"
#include "crypto/rng.h"
#include "daemon/carrier_io.h"
#include "daemon/control_server.h"
#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_control.h"
#include "endpoint/endpoint_datapath.h"
#include "endpoint/endpoint_ike.h"
#include "endpoint/endpoint_metrics.h"
#include "endpoint/flow_table.h"
#include "endpoint/link_setup.h"
#include "io/clock.h"
#include "io/event_loop.h"
#include "io/metrics_http_server.h"
#include "io/packet_batch.h"
#include "io/privileges.h"
#include "io/tun_device.h"
#include "io/tun_offload_io.h"

namespace {

using namespace ainet;

const std::string kVersion = std::string("ain-endpoint ") + endpoint::kEndpointVersion + " (ainet customer endpoint)";

void log_line(const std::string& s) {
  std::fprintf(stderr, "ain-endpoint: %s\n", s.c_str());
  std::fflush(stderr);
}

// Everything the loop touches, set up once.
class EndpointNode : public endpoint::EndpointControlHandler, public endpoint::EndpointIkeClient::Host {
 public:
  EndpointNode(const endpoint::EndpointConfig& cfg, endpoint::EndpointDatapath dp, io::TunDevice tun,
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
          std::min(static_cast<size_t>(cfg.tun_mtu), endpoint::EndpointDatapath::kMaxPacket);
      vnet_.emplace(max_datagram);
      tun_in_ = io::PacketBatch(io::TunOffloadIo::batch_slots(max_datagram));
    }
    if (cfg.ike.enabled) ike_ = std::make_unique<endpoint::EndpointIkeClient>(cfg, rng_, *this);
  }

  // endpoint.ike (docs/ike.md "ain-endpoint over IKEv2").
  endpoint::EndpointIkeClient* ike() { return ike_.get(); }
  void on_ike_readable(int fd) {
    ike_->on_readable(fd, io::monotonic_now());
    flush();
  }
  void ike_tick(Time now) {
    if (!ike_) return;
    ike_->tick(now);
    flush();
  }
  Time ike_deadline() const { return ike_ ? ike_->deadline() : Time::max(); }
  // On exit: a Delete of the IKE SA (RFC 7296 §1.4.1), so the AIN frees it
  // and its children now (not after its liveness checks give up).
  void ike_shutdown() {
    if (!ike_ || ike_->handle() == 0) return;
    const Time now = io::monotonic_now();
    if (ok(ike_->engine().terminate_ike(now, ike_->handle(), *ike_))) log_line("IKE: Delete sent to the AIN");
    ike_->drain(now);
    flush();
  }
  bool ike_child_up(const ike::ChildSaUp& up) override {
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
    if (up.virtual_ip4 && cfg_.role == endpoint::Role::initiator && !cfg_.inner_addresses.empty() &&
        *up.virtual_ip4 != cfg_.inner_addresses.front())
      log_line("IKE: the AIN now assigns " + up.virtual_ip4->to_string() + " but the TUN has " +
               cfg_.inner_addresses.front().to_string() + ": restart ain-endpoint to use it");
    // RFC 7296 §2.23: ESP goes where the authenticated IKE SA now is.
    carrier_->learn_peer_port(up.remote.addr, up.remote.port);
    spi_out_ = up.spi_out;
    return true;
  }
  void ike_child_down(uint32_t spi_in) override { (void)dp_.remove(spi_in); }
  std::optional<uint64_t> ike_child_packets_in(uint32_t spi_in) const override {
    return dp_.packets_in(spi_in);
  }
  void ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) override {
    if (!carrier_->queue_to(remote.addr, remote.port, payload)) note_error("IKE on the carrier port: not a udp carrier");
  }
  void ike_log(const std::string& line) override { log_line("IKE: " + line); }
  void ike_timer(Time at) override {
    if (arm_) arm_(at);
  }
  // Set by run(): moves the loop's timer earlier to `at` if it is later.
  std::function<void(Time)> arm_;

  void on_tun_readable() {
    const Time now = io::monotonic_now();  // one clock read per wake-up, not per packet
    // Bounded: a busy TUN must not starve the carrier side. The rest of a
    // super-packet cut at a full batch is still taken (no new reads then).
    for (int round = 0; round < 4 || (vnet_ && vnet_->pending()); ++round) {
      tun_in_.clear();
      auto r = vnet_ ? vnet_->read_batch(*tun_, tun_in_, round < 4) : tun_->read_batch(tun_in_);
      if (!r) {
        note_error("TUN read: " + r.error().message());
        break;
      }
      tun_dropped_ += r->dropped;
      for (size_t i = 0; i < tun_in_.size(); ++i) {
        if (cfg_.shaping.shaped()) {
          // Shaped (docs/protocol.md "Shaping"): the datagram waits for the
          // next slot; a full queue refuses it.
          shaper_.offer();
          if (queue_.size >= cfg_.queue || !pool_.push(queue_, tun_in_.packet(i))) {
            ++queue_drops_;
            continue;
          }
          flows_.record(tun_in_.packet(i), now);
          continue;
        }
        auto sealed = dp_.outbound(tun_in_.packet(i), rng_);
        if (!sealed) continue;
        carrier_->queue(ain_, *sealed);
        flows_.record(tun_in_.packet(i), now);
      }
      // With offloads, reading stops short of full when a super-packet might not fit.
      const bool more =
          tun_in_.full() ||
          (vnet_ && (vnet_->pending() || tun_in_.capacity() - tun_in_.size() < vnet_->reserve()));
      flush();
      if (!more) break;
    }
  }

  void on_carrier_readable(int fd) {
    const Time now = io::monotonic_now();
    for (int round = 0; round < 4; ++round) {
      const size_t n = carrier_->receive(fd, [&](const std::optional<wire::IpAddress>& src, uint16_t port,
                                                 ByteSpan pkt) {
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

  // On shutdown: a customer control DESTROY (docs/protocol.md "Customer
  // tunnels") for every pair sent, so the AIN tears the ANTs down now rather
  // than at its inactivity timeout. Returns how many went out.
  size_t destroy_all() {
    size_t n = 0;
    flows_.for_each([&](const endpoint::FlowPair& p) {
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

  void flush() {
    carrier_->flush();
    write_tun();
    if (auto e = carrier_->take_error()) note_error("carrier I/O: " + e->message());
  }

  // The control socket's `status` (docs/control.md "ain-endpoint").
  endpoint::EndpointStatus status() override {
    const Time now = io::monotonic_now();
    auto s = endpoint::endpoint_status(cfg_, dp_.counters(), flows_, io_counters(),
                                       (now - started_).ns / 1'000'000'000);
    if (ike_) {
      s.ike = endpoint::endpoint_ike_status(ike_->engine(), now, ike_->failure());
      s.esp_spi_in = dp_.current_spi_in();
      s.esp_spi_out = dp_.keyed() ? spi_out_ : 0;
      if (ike_->virtual_ip4()) s.inner_addresses = {ike_->virtual_ip4()->to_string()};
    }
    return s;
  }

  // GET /metrics (endpoint/endpoint_metrics.h).
  std::string metrics_text() {
    return endpoint::endpoint_metrics_text(cfg_, dp_.counters(), dp_.sa_drops(), flows_, io_counters(),
                                           static_cast<double>((io::monotonic_now() - started_).ns / 1'000'000) / 1e3);
  }

  // Forgets pairs idle for flow_idle_timeout (their ANTs are gone at the AIN).
  void expire_flows(Time now) { flows_.expire(now, cfg_.flow_idle_timeout); }

  // Shaping: the first slot a random fraction of a period from now.
  void start_shaping(Time now) {
    if (!cfg_.shaping.shaped()) return;
    pool_ = core::CellQueuePool(cfg_.queue, endpoint::EndpointDatapath::kMaxPacket);
    const int64_t per = cfg_.shaping.period(0).ns;
    shaper_.start(cfg_.shaping, now, Duration{static_cast<int64_t>(rng_.u64() % static_cast<uint64_t>(per))});
  }
  // Sends every slot due at `now`: the oldest waiting datagram, else a dummy
  // (RFC 4303 §2.6). Bounded: each slot moves the next one a period on, and
  // FlowShaper re-anchors after a long stall. Returns the next slot.
  Time run_slots(Time now) {
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

  int tun_fd() const { return tun_->fd(); }
  // Once set up: the TUN's inner address and routes need the CP address first.
  const std::string& tun_name() const { return tun_->name(); }
  std::vector<int> carrier_fds() const { return carrier_->fds(); }

  void report() const {
    const auto& c = dp_.counters();
    const auto& io = carrier_->counters();
    char buf[512];
    std::snprintf(buf, sizeof buf,
                  "counters: sealed %llu, opened %llu; dropped: seal %llu, not from AIN %llu, non-ESP %llu, "
                  "open %llu (SA drops %llu), not IP %llu, too big %llu, bad TUN datagram %llu, TUN I/O %llu; "
                  "carrier sent %llu (dropped %llu), received %llu (dropped %llu)",
                  ull(c.sealed), ull(c.opened), ull(c.seal_failed), ull(c.not_from_ain), ull(c.not_esp),
                  ull(c.open_failed), ull(dp_.sa_drops()), ull(c.not_ip), ull(c.too_big), ull(c.bad_inner),
                  ull(tun_dropped_), ull(io.sent), ull(io.send_dropped), ull(io.received), ull(io.recv_dropped));
    log_line(buf);
  }

 private:
  static unsigned long long ull(uint64_t v) { return static_cast<unsigned long long>(v); }

  endpoint::EndpointIoCounters io_counters() const {
    const auto& c = carrier_->counters();
    endpoint::EndpointIoCounters io{tun_dropped_, c.sent, c.send_dropped, c.received, c.recv_dropped};
    io.carrier_bytes_sent = c.bytes_sent;
    io.carrier_bytes_received = c.bytes_received;
    io.shaped_sent = shaper_.real_sent;
    io.shaping_queue_drops = queue_drops_;
    io.queued = queue_.size;
    if (vnet_) {
      const io::TunOffloadCounters& o = vnet_->counters();
      io.tun_vnet_dropped = o.dropped;
      io.tun_offload = {{"super_packets_in", o.super_packets_in},
                        {"segments_in", o.segments_in},
                        {"super_packets_out", o.super_packets_out},
                        {"segments_out", o.segments_out}};
    }
    return io;
  }

  void write_tun() {
    if (tun_out_.size() == 0) return;
    auto r = vnet_ ? vnet_->write_batch(*tun_, tun_out_) : tun_->write_batch(tun_out_);
    if (r) {
      tun_dropped_ += r->dropped;
    } else {
      tun_dropped_ += tun_out_.size();
      note_error("TUN write: " + r.error().message());
    }
    tun_out_.clear();
  }

  // Bounded logging: a socket or TUN that keeps failing must not flood the
  // log, so the first few errors are logged, then every 1000th.
  void note_error(const std::string& what) {
    ++errors_;
    if (errors_ <= 5 || errors_ % 1000 == 0) log_line(what + " (error #" + std::to_string(errors_) + ")");
  }

  const endpoint::EndpointConfig& cfg_;
  endpoint::EndpointDatapath dp_;
  std::optional<io::TunDevice> tun_;
  std::optional<io::TunOffloadIo> vnet_;  // set when the TUN has IFF_VNET_HDR
  std::unique_ptr<daemon::CarrierIo> carrier_;
  wire::IpAddress ain_;
  Time started_;
  crypto::SystemRng rng_;
  io::PacketBatch tun_in_, tun_out_;
  endpoint::FlowTable flows_;
  uint64_t tun_dropped_ = 0, errors_ = 0;
  // [shaping]: datagrams waiting for their slot, and the slot clock.
  core::CellQueuePool pool_;
  core::CellQueuePool::Fifo queue_;
  core::FlowShaper shaper_;
  uint64_t queue_drops_ = 0;
  // endpoint.ike: the engine and its sockets; the outbound SPI sent on now.
  std::unique_ptr<endpoint::EndpointIkeClient> ike_;
  uint32_t spi_out_ = 0;
};

int run(const std::string& path, bool check_only) {
  auto load = endpoint::load_endpoint_config(path);
  if (!load.ok) {
    log_line(load.error);
    return 2;
  }
  // Not const: an IKE initiator's inner address arrives by CP (endpoint.ike).
  endpoint::EndpointConfig& cfg = load.config;
  auto dp = endpoint::EndpointDatapath::create(cfg);
  if (!dp) {
    log_line(path + ": the tunnel keys do not make SAs: " + std::string(to_string(dp.error())));
    return 2;
  }
  if (check_only) {
    std::printf("%s: ok (%s, carrier %s, %zu inner address(es), %zu route(s))\n", path.c_str(), cfg.name.c_str(),
                cfg.carrier == core::Carrier::ip ? "ip" : "udp", cfg.inner_addresses.size(), cfg.routes.size());
    return 0;
  }

  // Signals first, so a SIGTERM during set-up still ends us cleanly.
  auto loop = io::EventLoop::create();
  if (!loop) {
    log_line("event loop: " + loop.error().message());
    return 1;
  }
  io::EventLoop& ev = **loop;
  ev.set_busy_poll(Duration{int64_t{cfg.busy_poll_us} * 1000});  // endpoint.busy_poll_us
  std::function<void()> on_hup;  // set once the node exists
  if (auto st = ev.watch_signals({SIGTERM, SIGINT, SIGHUP}, [&](int sig) {
        if (sig == SIGHUP) {
          if (on_hup) on_hup();
          return;
        }
        log_line(std::string("signal ") + strsignal(sig) + ", stopping");
        ev.stop();
      });
      !st) {
    log_line("signals: " + st.err.message());
    return 1;
  }

  std::optional<io::RunAsUser> run_as;
  if (!cfg.run_as_user.empty()) {
    auto u = io::lookup_user(cfg.run_as_user);
    if (!u) {
      log_line(path + ": process.user: " + u.error().message());
      return 1;
    }
    run_as = *u;
  }

  auto tun = io::TunDevice::open(
      cfg.tun_name, cfg.tun_offload ? io::TunOffload::kVnetHdr : io::TunOffload::kNone);
  if (!tun && cfg.tun_offload) {
    log_line("warning: TUN offloads refused (" + tun.error().message() +
             "), going on without endpoint.tun_offload");
    tun = io::TunDevice::open(cfg.tun_name);
  }
  if (!tun) {
    log_line("TUN " + cfg.tun_name + ": " + tun.error().message());
    return 1;
  }
  auto link_setup = [&](const std::string& tun_name) {
    for (const auto& cmd : endpoint::link_setup_commands(cfg, tun_name)) {
      std::string err;
      if (!endpoint::run_ip(cmd, err)) {
        log_line("link set-up: " + err);
        return false;
      }
    }
    return true;
  };
  // An IKE initiator learns its inner address from the AIN (CP) first.
  const bool cp = cfg.ike.enabled && cfg.role == endpoint::Role::initiator;
  if (!cp && !link_setup(tun->name())) return 1;

  std::vector<std::string> warnings;
  auto carrier = daemon::CarrierIo::open(cfg.carrier, cfg.udp_port, warnings);
  for (const auto& w : warnings) log_line("note: " + w);
  if (!carrier) {
    log_line("carrier sockets: " + carrier.error().message());
    return 1;
  }

  EndpointNode node(cfg, std::move(*dp), std::move(*tun), std::move(*carrier));
  if (auto st = ev.add(node.tun_fd(), EPOLLIN, [&](uint32_t) { node.on_tun_readable(); }); !st) {
    log_line("epoll TUN: " + st.err.message());
    return 1;
  }
  for (int fd : node.carrier_fds()) {
    if (auto st = ev.add(fd, EPOLLIN, [&node, fd](uint32_t) { node.on_carrier_readable(fd); }); !st) {
      log_line("epoll carrier: " + st.err.message());
      return 1;
    }
  }
  if (node.ike()) {
    std::vector<std::string> ike_warnings;
    if (auto st = node.ike()->bind(ike_warnings); !st) {
      log_line("IKE sockets: " + st.err.message());
      return 1;
    }
    for (const auto& w : ike_warnings) log_line("note: " + w);
    for (int fd : node.ike()->fds()) {
      if (auto st = ev.add(fd, EPOLLIN, [&node, fd](uint32_t) { node.on_ike_readable(fd); }); !st) {
        log_line("epoll IKE: " + st.err.message());
        return 1;
      }
    }
  }
  // The control socket: aind's server and framing, the endpoint's commands.
  // listen() replaces a socket file a crashed run left behind; the server's
  // destructor (before every return below) removes it.
  std::optional<daemon::ControlServer> control;
  if (!cfg.control_socket.empty()) {
    control.emplace(ev, [&node](std::string_view line) {
      return endpoint::dispatch_endpoint_control_line(node, line);
    });
    // Its directory is created 0700 when missing, as aind does for its own.
    if (const size_t slash = cfg.control_socket.rfind('/'); slash != std::string::npos && slash > 0)
      ::mkdir(cfg.control_socket.substr(0, slash).c_str(), 0700);  // EEXIST is fine; bind() reports the rest
    if (auto st = control->listen(cfg.control_socket); !st) {
      log_line("control socket: " + st.err.message());
      return 1;
    }
  }
  // The loop's one timer: `armed` is its deadline; arm() only moves it earlier
  // (the timer handlers start from Time::max()). IKE events from sockets
  // call it through node.arm_ (EndpointIkeClient::Host::ike_timer).
  Time armed = Time::max();
  auto arm = [&](Time at) {
    if (at >= armed) return;
    armed = at;
    (void)ev.set_timer(at);
  };
  node.arm_ = arm;
  // endpoint.ike: the IKE SA and its first child SA come up before set-up
  // ends (the CP address goes onto the TUN, which needs CAP_NET_ADMIN).
  // Bounded: 30 s, and a refused authentication ends the program at once.
  if (node.ike()) {
    const Time t0 = io::monotonic_now();
    if (Status st = node.ike()->start(t0); !ok(st)) {
      log_line(std::string("IKE: cannot start: ") + std::string(to_string(st)));
      return 1;
    }
    node.flush();
    ev.on_timer([&] {
      armed = Time::max();
      node.ike_tick(io::monotonic_now());
      arm(node.ike_deadline());
    });
    arm(node.ike_deadline());
    while (!node.ike()->child_up() && !ev.stopped()) {
      if (node.ike()->auth_failed()) {
        log_line("IKE: the AIN refused this endpoint: " + node.ike()->failure());
        return 1;
      }
      if (io::monotonic_now() - t0 >= Duration::s(30)) {
        log_line("IKE: no child SA with the AIN " + cfg.ain_address.to_string() + " within 30 s" +
                 (node.ike()->failure().empty() ? "" : " (last: " + node.ike()->failure() + ")"));
        return 1;
      }
      if (auto r = ev.run_once(250); !r) {
        log_line("event loop: " + r.error().message());
        return 1;
      }
    }
    if (ev.stopped()) return 0;
    if (cp) {
      auto vip = node.ike()->virtual_ip4();
      if (!vip) {
        log_line("IKE: the AIN assigned no inner address (CP, RFC 7296 §3.15)");
        return 1;
      }
      cfg.inner_addresses = {*vip};
      log_line("IKE: inner address " + vip->to_string() + " from the AIN (CP)");
      if (!link_setup(node.tun_name())) return 1;
    }
  }
  std::unique_ptr<io::MetricsHttpServer> metrics;
  if (cfg.metrics_listen) {
    auto m = io::MetricsHttpServer::bind(*cfg.metrics_listen);
    if (!m) {
      log_line("metrics: " + m.error().message());
      return 1;
    }
    metrics = std::move(m).value();
  }
  // Set-up is done: no capability is needed from here on (io/privileges.h).
  auto dropped = io::drop_privileges(run_as);
  if (!dropped) {
    log_line("dropping privileges: " + dropped.error().message());
    return 1;
  }
  log_line(std::string("privileges dropped: no capabilities") +
           (dropped->bounding_cleared ? ", empty bounding set" : " (bounding set left to the service manager)") +
           (dropped->user ? ", running as " + dropped->user->name + " (uid " + std::to_string(dropped->user->uid) + ")"
                          : ", uid " + std::to_string(::getuid())));
  if (metrics) {
    if (auto st = metrics->start(ev, [&node] { return node.metrics_text(); }); !st) {
      log_line("metrics: " + st.err.message());
      return 1;
    }
    log_line("metrics on http://" + metrics->address().to_string() + "/metrics");
  }
  on_hup = [&node] {
    log_line("SIGHUP: nothing to reload; counters follow");
    node.report();
  };
  // Flow aging: a sweep every quarter of the idle timeout, at least every
  // 30 s and at most every second, so a pair goes at most max(25% of the
  // timeout, 1 s) after its time.
  // The one timer also carries the shaping slots ([shaping]).
  const Duration sweep{std::clamp<int64_t>(cfg.flow_idle_timeout.ns / 4, Duration::s(1).ns, Duration::s(30).ns)};
  Time next_sweep = io::monotonic_now() + sweep;
  node.start_shaping(io::monotonic_now());
  ev.on_timer([&] {
    const Time now = io::monotonic_now();
    if (now >= next_sweep) {
      node.expire_flows(now);
      next_sweep = now + sweep;
    }
    armed = Time::max();
    node.ike_tick(now);
    arm(std::min({next_sweep, node.run_slots(now), node.ike_deadline()}));
  });
  armed = Time::max();
  if (auto st = ev.set_timer(armed =
          std::min({next_sweep, node.run_slots(io::monotonic_now()), node.ike_deadline()}));
      !st) {
    log_line("timer: " + st.err.message());
    return 1;
  }

  log_line(cfg.tun_name + " <-> " + cfg.ain_address.to_string() + " (" +
           (cfg.carrier == core::Carrier::ip ? "ip" : "udp") + " carrier, anonymity option " +
           std::to_string(cfg.anonymity_option) + ")" +
           (cfg.control_socket.empty() ? "" : ", control " + cfg.control_socket));
  if (auto st = ev.run(); !st) {
    log_line("event loop: " + st.err.message());
    node.report();
    return 1;
  }
  const size_t destroyed = node.destroy_all();
  log_line("sent DESTROY for " + std::to_string(destroyed) + " inner pair(s)");
  node.ike_shutdown();
  node.report();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"ain-endpoint: an initiator's or responder's tunnel to its AIN"};
  std::string config;
  bool check = false;
  app.add_option("-c,--config", config, "configuration file (endpoint.toml)");
  app.add_option("config_file", config, "configuration file (same as --config)");
  app.add_flag("--check", check, "check the configuration, then exit");
  app.set_version_flag("--version", kVersion);
  CLI11_PARSE(app, argc, argv);
  if (config.empty()) {
    std::fprintf(stderr, "ain-endpoint: no configuration file (--config endpoint.toml)\n");
    return 2;
  }
  return run(config, check);
}
