// EndpointNode: everything ain-endpoint's event loop touches, set up once
// (endpoint_main.cc wires it to the loop). TUN -> seal -> AIN; carrier ->
// open (anything failing is dropped and counted) -> TUN; the optional
// shaping slots ([shaping]) and IKE client (endpoint.ike); the control
// socket's status and GET /metrics.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/cell_queue.h"
#include "core/flow_shaper.h"
#include "crypto/rng.h"
#include "daemon/carrier_io.h"
#include "endpoint/endpoint_config.h"
#include "endpoint/endpoint_control.h"
#include "endpoint/endpoint_datapath.h"
#include "endpoint/endpoint_ike.h"
#include "endpoint/flow_table.h"
#include "io/packet_batch.h"
#include "io/tun_device.h"
#include "io/tun_offload_io.h"

namespace ainet::endpoint {

// One line on stderr, prefixed "ain-endpoint: " (journald adds the time).
void log_line(const std::string& s);

class EndpointNode : public EndpointControlHandler, public EndpointIkeClient::Host {
 public:
  EndpointNode(const EndpointConfig& cfg, EndpointDatapath dp, io::TunDevice tun,
               std::unique_ptr<daemon::CarrierIo> carrier);

  // endpoint.ike (docs/ike.md "ain-endpoint over IKEv2").
  EndpointIkeClient* ike() { return ike_.get(); }
  void on_ike_readable(int fd);
  void ike_tick(Time now);
  Time ike_deadline() const { return ike_ ? ike_->deadline() : Time::max(); }
  // On exit: a Delete of the IKE SA (RFC 7296 §1.4.1), so the AIN frees it
  // and its children now (not after its liveness checks give up).
  void ike_shutdown();
  bool ike_child_up(const ike::ChildSaUp& up) override;
  void ike_child_down(uint32_t spi_in) override { (void)dp_.remove(spi_in); }
  std::optional<uint64_t> ike_child_packets_in(uint32_t spi_in) const override {
    return dp_.packets_in(spi_in);
  }
  void ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) override;
  void ike_log(const std::string& line) override { log_line("IKE: " + line); }
  void ike_timer(Time at) override {
    if (arm_) arm_(at);
  }
  // Set by the loop's owner: moves the loop's timer earlier to `at` if it is later.
  std::function<void(Time)> arm_;

  void on_tun_readable();
  void on_carrier_readable(int fd);
  // On shutdown: a customer control DESTROY (docs/protocol.md "Customer
  // tunnels") for every pair sent, so the AIN tears the ANTs down now rather
  // than at its inactivity timeout. Returns how many went out.
  size_t destroy_all();
  void flush();

  // The control socket's `status` (docs/control.md "ain-endpoint").
  EndpointStatus status() override;
  // endpoint.cpu_latency_us: the PM QoS request endpoint_main holds, for status.
  void set_cpu_latency_held(std::optional<int> us) { cpu_latency_held_ = us; }
  // GET /metrics (endpoint/endpoint_metrics.h).
  std::string metrics_text();

  // Forgets pairs idle for flow_idle_timeout (their ANTs are gone at the AIN).
  void expire_flows(Time now) { flows_.expire(now, cfg_.flow_idle_timeout); }
  // Shaping: the first slot a random fraction of a period from now.
  void start_shaping(Time now);
  // Sends every slot due at `now`; returns the next slot (Time::max() unshaped).
  Time run_slots(Time now);

  int tun_fd() const { return tun_->fd(); }
  // Once set up: the TUN's inner address and routes need the CP address first.
  const std::string& tun_name() const { return tun_->name(); }
  std::vector<int> carrier_fds() const { return carrier_->fds(); }
  // The counters, as one log line (SIGHUP, exit).
  void report() const;

 private:
  EndpointIoCounters io_counters() const;
  // One TUN datagram: sealed and queued to the AIN, or queued for its slot.
  void send_inner(ByteSpan datagram, Time now);
  void write_tun();
  // Bounded logging: a socket or TUN that keeps failing must not flood the
  // log, so the first few errors are logged, then every 1000th.
  void note_error(const std::string& what);

  const EndpointConfig& cfg_;
  EndpointDatapath dp_;
  std::optional<io::TunDevice> tun_;
  std::optional<io::TunOffloadIo> vnet_;  // set when the TUN has IFF_VNET_HDR
  std::unique_ptr<daemon::CarrierIo> carrier_;
  wire::IpAddress ain_;
  Time started_;
  std::optional<int> cpu_latency_held_;
  crypto::SystemRng rng_;
  io::PacketBatch tun_in_, tun_out_;
  FlowTable flows_;
  uint64_t tun_dropped_ = 0, errors_ = 0;
  // [shaping]: datagrams waiting for their slot, and the slot clock.
  core::CellQueuePool pool_;
  core::CellQueuePool::Fifo queue_;
  core::FlowShaper shaper_;
  uint64_t queue_drops_ = 0;
  // endpoint.ike: the engine and its sockets; the outbound SPI sent on now.
  std::unique_ptr<EndpointIkeClient> ike_;
  uint32_t spi_out_ = 0;
};

}  // namespace ainet::endpoint
