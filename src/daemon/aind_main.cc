// aind: the ainet daemon. One process, one thread, one epoll loop:
//   carrier sockets (raw IP 50/51 or UDP 4500) -> Engine::handle_packet
//   TUN (exit local delivery, if an exit pool is configured) -> handle_local
//   timerfd at Engine::next_deadline -> handle_timers
//   control socket (docs/control.md) -> AinNode as ControlHandler
//   SIGTERM/SIGINT -> Engine::shutdown (DESTROY every ANT), then exit
//   SIGHUP -> reload and verify the directory
//
//   aind [--config /etc/ainet/aind.toml] [--check]
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <iostream>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include "core/engine.h"
#include "crypto/rng.h"
#include "daemon/ain_node.h"
#include "daemon/carrier_io.h"
#include "daemon/ike_node.h"
#include "daemon/config.h"
#include "daemon/control_server.h"
#include "io/clock.h"
#include "io/cpu_latency_qos.h"
#include "io/event_loop.h"
#include "io/metrics_http_server.h"
#include "io/privileges.h"
#include "io/tun_device.h"

namespace {

using namespace ainet;

spdlog::level::level_enum spd_level(daemon::LogLevel l) {
  switch (l) {
    case daemon::LogLevel::trace: return spdlog::level::trace;
    case daemon::LogLevel::debug: return spdlog::level::debug;
    case daemon::LogLevel::info: return spdlog::level::info;
    case daemon::LogLevel::warn: return spdlog::level::warn;
    case daemon::LogLevel::error: return spdlog::level::err;
    case daemon::LogLevel::off: return spdlog::level::off;
  }
  return spdlog::level::info;
}

// The control socket's directory (e.g. /run/ainet) is created 0700 if missing.
void make_parent_dir(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos || slash == 0) return;
  ::mkdir(path.substr(0, slash).c_str(), 0700);  // EEXIST is fine; bind() reports real problems
}

int run(const std::string& config_path, bool check_only) {
  auto log = spdlog::stderr_logger_st("aind");
  log->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");

  daemon::ConfigLoad cl = daemon::load_config(config_path);
  if (!cl.ok) {
    std::cerr << "aind: " << cl.error << '\n';
    return 1;
  }
  daemon::AindConfig cfg = std::move(cl.config);
  log->set_level(spd_level(cfg.log_level));

  daemon::DirectoryResult dir = daemon::load_directory_file(cfg, io::unix_seconds_now());
  if (!dir.directory) {
    std::cerr << "aind: " << dir.error << '\n';
    return 1;
  }

  if (std::string why = daemon::check_remote_responders(cfg, *dir.directory); !why.empty()) {
    std::cerr << "aind: " << config_path << ": " << why << '\n';
    return 1;
  }

  // IKE PVTs (docs/ike.md "PVTs"): peers' addresses and identity keys come
  // from the directory.
  if (std::string why =
          daemon::add_ike_pvts(cfg.ike, cfg.engine.self, cfg.identity_seed, *dir.directory);
      !why.empty()) {
    std::cerr << "aind: " << config_path << ":" << why << '\n';
    return 1;
  }

  // docs/protocol.md "Tickets": hops accept only what the directory's key
  // for this AIN verifies, so a mismatched key_file would sign in vain.
  if (cfg.tickets.config.enabled && cfg.tickets.key.valid()) {
    const core::AinEntry* self = dir.directory->find(cfg.engine.self);
    if (!self || !self->ticket_key.valid() || !cfg.tickets.key.public_key().same_key(self->ticket_key)) {
      std::cerr << "aind: " << config_path << ": tickets.key_file: " << cfg.tickets.key_file
                << " is not the ticket_key the directory " << cfg.directory_file << " publishes for AIN "
                << cfg.engine.self << "\n";
      return 1;
    }
  }

  crypto::SystemRng rng;  // outlives the engine
  const Time started = io::monotonic_now();
  auto engine = core::Engine::create(cfg.engine, dir.directory, rng, started);
  if (engine) (*engine)->set_wall_clock(started, static_cast<uint64_t>(io::unix_seconds_now()));
  if (!engine) {
    std::cerr << "aind: " << config_path << ": the engine refused this configuration with directory "
              << cfg.directory_file << " (" << to_string(engine.error()) << ")\n";
    return 1;
  }
  if (check_only) {
    std::cout << config_path << ": OK (node " << cfg.engine.self << ", " << cfg.engine.pvts.size() << " PVTs, "
              << cfg.engine.customers.size() << " customers; directory " << dir.directory->entries().size()
              << " AINs)\n";
    return 0;
  }

  auto loop_r = io::EventLoop::create();
  if (!loop_r) {
    log->critical("{}", loop_r.error().message());
    return 1;
  }
  io::EventLoop& loop = **loop_r;
  loop.set_busy_poll(Duration{int64_t{cfg.busy_poll_us} * 1000});  // [network] busy_poll_us
  // Before anything else runs: signals become loop events from here on.
  bool stopping = false;
  std::function<void(int)> on_signal;  // set once the node exists
  if (auto st = loop.watch_signals({SIGTERM, SIGINT, SIGHUP}, [&](int s) { if (on_signal) on_signal(s); }); !st) {
    log->critical("{}", st.err.message());
    return 1;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a vanished ainctl must not kill the daemon

  // The user to switch to is looked up while /etc/passwd is surely readable.
  std::optional<io::RunAsUser> run_as;
  if (!cfg.run_as_user.empty()) {
    auto u = io::lookup_user(cfg.run_as_user);
    if (!u) {
      log->critical("{}: process.user: {}", config_path, u.error().message());
      return 1;
    }
    run_as = *u;
  }

  // [network] cpu_latency_us: held until aind exits; made while aind may
  // still open the device (before it drops privileges). A hint, like the
  // TUN offloads: refused, aind says so and goes on without it.
  std::string qos_refused;
  const io::CpuLatencyQos cpu_latency = io::CpuLatencyQos::from_config(cfg.cpu_latency_us, qos_refused);
  if (!qos_refused.empty())
    log->warn("[network] cpu_latency_us = {} refused ({}), going on without it", cfg.cpu_latency_us, qos_refused);

  std::vector<std::string> warnings;
  auto carrier =
      daemon::CarrierIo::open(cfg.engine.carrier, cfg.udp_port, warnings, cfg.send_thread);
  for (const std::string& w : warnings) log->warn("{}", w);
  if (!carrier) {
    log->critical("cannot open the carrier sockets: {}", carrier.error().message());
    return 1;
  }

  std::optional<io::TunDevice> tun;
  if (!cfg.engine.exit_pool.empty()) {
    auto t = io::TunDevice::open(
        cfg.tun_name, cfg.tun_offload ? io::TunOffload::kVnetHdr : io::TunOffload::kNone);
    if (!t && cfg.tun_offload) {
      log->warn("TUN offloads refused ({}), going on without [network] tun_offload",
                t.error().message());
      t = io::TunDevice::open(cfg.tun_name);
    }
    if (!t) {
      log->critical("exit pool configured but no TUN: {}", t.error().message());
      return 1;
    }
    if (auto st = t->set_mtu(cfg.tun_mtu); !st) log->warn("{}", st.err.message());
    if (auto st = t->set_up(); !st) log->warn("{}", st.err.message());
    tun.emplace(std::move(t).value());
  }

  // [ike]: IKEv2 for customer tunnels on [ike] port; after the float, IKE
  // shares the carrier's udp_port (daemon/ike_node.h).
  std::unique_ptr<daemon::IkeNode> ike;
  if (cfg.ike.enabled) {
    // The ip carrier has no UDP socket: IKE after the float and the IKE
    // customers' ESP in UDP (RFC 3948) arrive on the IKE node's own 4500.
    auto n = daemon::IkeNode::open(cfg.ike, cfg.udp_port, dir.directory->find(cfg.engine.self)->address, rng, *log,
                                   warnings, cfg.engine.carrier == core::Carrier::ip);
    for (const std::string& w : warnings) log->warn("{}", w);
    warnings.clear();
    if (!n) {
      log->critical("cannot open the IKE sockets (port {}): {}", cfg.ike.port, n.error().message());
      return 1;
    }
    ike = std::move(n).value();
  }
  const std::vector<int> ike_fds = ike ? ike->fds() : std::vector<int>{};

  std::vector<int> carrier_fds = (*carrier)->fds();
  daemon::AinNode node(cfg, std::move(engine).value(), dir.directory, std::move(carrier).value(), std::move(tun),
                       *log, started);
  node.attach_ike(std::move(ike));

  daemon::ControlServer control(loop, node);
  make_parent_dir(cfg.control_socket);
  if (auto st = control.listen(cfg.control_socket); !st) {
    log->critical("control socket: {}", st.err.message());
    return 1;
  }

  // Bound now (a port below 1024 needs CAP_NET_BIND_SERVICE), served by its
  // own thread only after the privileges are gone (they are per thread).
  std::unique_ptr<io::MetricsHttpServer> metrics;
  if (cfg.metrics_listen) {
    auto m = io::MetricsHttpServer::bind(*cfg.metrics_listen);
    if (!m) {
      log->critical("metrics: {}", m.error().message());
      return 1;
    }
    metrics = std::move(m).value();
  }

  // Everything that needed root is open: from here on aind holds no
  // capability at all (io/privileges.h explains why none is needed later).
  auto dropped = io::drop_privileges(run_as);
  if (!dropped) {
    log->critical("dropping privileges: {}", dropped.error().message());
    return 1;
  }
  log->info("privileges dropped: no capabilities{}{}",
            dropped->bounding_cleared ? ", empty bounding set" : " (bounding set left to the service manager)",
            dropped->user ? fmt::format(", running as {} (uid {}, gid {})", dropped->user->name, dropped->user->uid,
                                        dropped->user->gid)
                          : ", uid " + std::to_string(::getuid()));
  // [network] send_thread: like the metrics thread, started only now that
  // no capability is left to inherit (they are per thread).
  if (cfg.send_thread) node.start_send_thread();
  node.set_cpu_latency_held(cpu_latency.held());
  if (metrics) {
    if (auto st = metrics->start(loop, [&node] { return node.metrics_text(); }); !st) {
      log->critical("metrics: {}", st.err.message());
      return 1;
    }
    log->info("metrics on http://{}/metrics", metrics->address().to_string());
  }

  for (int fd : carrier_fds) {
    if (auto st = loop.add(fd, EPOLLIN, [&node, fd](uint32_t) { node.on_carrier_readable(fd, io::monotonic_now()); });
        !st) {
      log->critical("{}", st.err.message());
      return 1;
    }
  }
  for (int fd : ike_fds) {
    if (auto st = loop.add(fd, EPOLLIN, [&node, fd](uint32_t) { node.on_ike_readable(fd, io::monotonic_now()); });
        !st) {
      log->critical("{}", st.err.message());
      return 1;
    }
  }
  if (node.tun()) {
    if (auto st = loop.add(node.tun()->fd(), EPOLLIN, [&node](uint32_t) { node.on_tun_readable(io::monotonic_now()); });
        !st) {
      log->critical("{}", st.err.message());
      return 1;
    }
  }
  // The timer follows the engine's next deadline after every event, whatever
  // handled it (packets, timers, control requests). `armed` is what the
  // timerfd holds; a one-shot timer that fired holds nothing.
  Time armed = Time::max();
  loop.on_timer([&node, &armed] {
    armed = Time::max();
    node.on_timer(io::monotonic_now());
  });
  on_signal = [&](int s) {
    if (s == SIGHUP) {
      log->info("SIGHUP: reloading the directory");
      (void)node.reload(io::unix_seconds_now());
      return;
    }
    log->info("{}: destroying every ANT and stopping", s == SIGTERM ? "SIGTERM" : "SIGINT");
    node.shutdown(io::monotonic_now());
    stopping = true;
    loop.stop();
  };

  log->info("node {} ({}) up: carrier {}, {} PVTs, {} customers, directory {} AINs, control {}", cfg.engine.self,
            cfg.node_name, cfg.engine.carrier == core::Carrier::ip ? "ip" : "udp", cfg.engine.pvts.size(),
            cfg.engine.customers.size(), dir.directory->entries().size(), cfg.control_socket);

  while (!stopping) {
    const Time next = node.next_deadline();
    if (next != armed) {
      if (auto st = loop.set_timer(next); !st) log->error("{}", st.err.message());
      armed = next;
    }
    auto r = loop.run_once(-1);
    if (!r) {
      log->critical("{}", r.error().message());
      return 1;
    }
  }
  log->info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"aind: the ainet anonymous IP network daemon"};
  std::string config = "/etc/ainet/aind.toml";
  bool check = false;
  app.add_option("-c,--config", config, "configuration file")->capture_default_str();
  app.add_flag("--check", check, "check the configuration and the directory, then exit");
  app.set_version_flag("--version", std::string("aind ") + AINET_VERSION);
  CLI11_PARSE(app, argc, argv);
  return run(config, check);
}
