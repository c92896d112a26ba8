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
// Loop (endpoint_node.h): epoll over the TUN and the carrier sockets. TUN -> seal -> AIN;
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

#include "daemon/carrier_io.h"
#include "daemon/control_server.h"
#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_control.h"
#include "endpoint/endpoint_node.h"
#include "endpoint/link_setup.h"
#include "io/clock.h"
#include "io/cpu_latency_qos.h"
#include "io/event_loop.h"
#include "io/metrics_http_server.h"
#include "io/privileges.h"
#include "io/tun_device.h"

namespace {

using namespace ainet;

const std::string kVersion = std::string("ain-endpoint ") + endpoint::kEndpointVersion + " (ainet customer endpoint)";

using endpoint::EndpointNode;
using endpoint::log_line;

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

  // endpoint.cpu_latency_us: held until the endpoint exits, made before it
  // drops privileges; refused, it says so and goes on (a hint, as in aind).
  std::string qos_refused;
  const io::CpuLatencyQos cpu_latency = io::CpuLatencyQos::from_config(cfg.cpu_latency_us, qos_refused);
  if (!qos_refused.empty())
    log_line("endpoint.cpu_latency_us = " + std::to_string(cfg.cpu_latency_us) + " refused (" + qos_refused +
             "), going on without it");

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
  node.set_cpu_latency_held(cpu_latency.held());
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
