// AinNode: one running AIN inside aind: the sans-I/O engine plus the I/O it
// needs (carrier sockets, TUN). It is the engine's Effects (packets out,
// local delivery, events) and the control socket's handler (ainctl), so
// aind_main.cc only wires file descriptors, timers and signals to it.
#pragma once
#include <spdlog/logger.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "core/directory.h"
#include "core/engine.h"
#include "crypto/rng.h"
#include "daemon/aind_metrics.h"
#include "daemon/carrier_io.h"
#include "daemon/config.h"
#include "daemon/control_handler.h"
#include "daemon/ike_node.h"
#include "daemon/log_limiter.h"
#include "daemon/peer_port_table.h"
#include "io/packet_batch.h"
#include "io/tun_device.h"
#include "io/tun_offload_io.h"

namespace ainet::daemon {

// Loads and verifies the directory file named in the config; the message
// names the file and the problem.
struct DirectoryResult {
  std::shared_ptr<const core::Directory> directory;
  std::string error;
};
DirectoryResult load_directory_file(const AindConfig& cfg, int64_t now_unix);

// Every [[remote_responder]] exit must be an AIN of the directory (the config
// loader cannot know; docs/protocol.md "Exit delivery"). "" if so, else one
// message naming the entry and the directory file.
std::string check_remote_responders(const AindConfig& cfg, const core::Directory& dir);

class AinNode final : public core::Effects, public ControlHandler, public IkeNode::Host {
 public:
  AinNode(AindConfig cfg, std::unique_ptr<core::Engine> engine,
          std::shared_ptr<const core::Directory> dir, std::unique_ptr<CarrierIo> carrier,
          std::optional<io::TunDevice> tun, spdlog::logger& log, Time started);

  // Event inputs (each ends with flush()).
  void on_carrier_readable(int fd, Time now);
  void on_tun_readable(Time now);
  void on_timer(Time now);
  // [ike]: the IKEv2 responder for customer tunnels (ain_node_ike.cc).
  void attach_ike(std::unique_ptr<IkeNode> ike);
  IkeNode* ike() { return ike_.get(); }
  void on_ike_readable(int fd, Time now);
  // SIGHUP / ainctl reload.
  ControlOutcome<DirectoryInfo> reload(int64_t now_unix);
  // SIGTERM: DESTROY every ANT, send it all.
  void shutdown(Time now);

  // When the engine next needs handle_timers().
  Time next_deadline() const {
    return ike_ ? std::min(engine_->next_deadline(), ike_->next_deadline())
                : engine_->next_deadline();
  }
  const CarrierIo& carrier() const { return *carrier_; }
  // [network] send_thread: carrier sends from now on on their own thread.
  void start_send_thread() { carrier_->start_send_thread(); }
  // [network] cpu_latency_us: the PM QoS request aind_main holds, for status.
  void set_cpu_latency_held(std::optional<int> us) { cpu_latency_held_ = us; }
  const io::TunDevice* tun() const { return tun_ ? &*tun_ : nullptr; }

  // core::Effects
  void send_packet(const wire::IpAddress& dst, ByteSpan packet) override;
  void deliver_local(ByteSpan datagram) override;
  void on_event(const core::EngineEvent& ev) override;
  // udp carrier: the packet being handled came from `src` at current_port_
  // and an SA accepted it, so replies go to that port (RFC 3948 §3).
  void peer_authenticated(const wire::IpAddress& src) override;

  // IkeNode::Host (ain_node_ike.cc)
  void ike_child_up(uint32_t customer, const ike::ChildSaUp& up) override;
  void ike_child_down(uint32_t customer, uint32_t spi_in) override;
  void ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) override;
  std::optional<uint64_t> ike_child_packets_in(uint32_t spi_in) const override;
  void ike_esp(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) override;
  void send_encap_packet(const wire::IpAddress& dst, ByteSpan packet) override;
  void ike_pvt_up(core::NodeId peer, const ike::ChildSaUp& up) override;
  void ike_pvt_down(core::NodeId peer, uint32_t spi_in) override;

  // ControlHandler
  StatusInfo status() override;
  std::vector<PvtRow> list_pvts() override;
  std::vector<TvtRow> list_tvts() override;
  std::vector<AntRow> list_ants() override;
  std::vector<CustomerRow> list_customers() override;
  ControlOutcome<std::vector<SaRow>> list_sas(bool with_keys) override;
  ControlOutcome<uint64_t> create_ant(const CreateAntRequest& req) override;
  ControlOutcome<Done> destroy_ant(uint64_t handle) override;
  ControlOutcome<DirectoryInfo> reload_directory() override;
  // ain_node_ike.cc
  ControlOutcome<IkeListing> list_ike() override;
  ControlOutcome<Done> ike_rekey(uint64_t id, bool child) override;
  ControlOutcome<Done> ike_terminate(uint64_t id, bool child) override;
  ControlOutcome<Done> ike_control(uint64_t id, bool child, const char* what,
                                   Status (ike::IkeEngine::*on_child)(Time, uint32_t,
                                                                      ike::Effects&),
                                   Status (ike::IkeEngine::*on_ike)(Time, uint64_t, ike::Effects&));

  // GET /metrics ([metrics] listen): the Prometheus text (aind_metrics.cc).
  std::string metrics_text();

 private:
  void flush();
  void write_tun();
  void log_io_errors(Time now);

  AindConfig cfg_;
  std::unique_ptr<core::Engine> engine_;
  std::shared_ptr<const core::Directory> dir_;
  std::unique_ptr<CarrierIo> carrier_;
  std::optional<io::TunDevice> tun_;
  std::optional<io::TunOffloadIo> vnet_;  // set when the TUN has IFF_VNET_HDR
  io::PacketBatch tun_in_;
  io::PacketBatch tun_out_;
  uint64_t tun_dropped_ = 0;
  spdlog::logger& log_;
  Time started_;
  std::optional<int> cpu_latency_held_;
  Time now_{};  // time of the event being handled
  // UDP source port of the carrier packet being handled (0: none, ip
  // carrier, or not inside handle_packet). Learned only on
  // peer_authenticated, never merely on receipt (RFC 7296 §2.23).
  uint16_t current_port_ = 0;
  LogLimiter io_log_{5, Duration::s(10)};
  LogLimiter event_log_{20, Duration::s(1)};
  AindMetricsCounters counters_;
  std::unique_ptr<IkeNode> ike_;
  // ip carrier: IKE customers' NAT-T ports (RFC 3948 §3), learned from their
  // IKE SA and from authenticated ESP, as the udp carrier's table does.
  PeerPortTable ike_ports_;
  std::vector<uint32_t> pvt_rekeys_;  // IKE PVT child SAs to rekey (EventKind::pvt_rekey)
};

}  // namespace ainet::daemon
