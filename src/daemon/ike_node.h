// IkeNode: aind's IKEv2 responder for customer tunnels (docs/ike.md
// "Customer tunnels"). Its IkeDriver (daemon/ike_driver.h) owns the sans-I/O
// ike::IkeEngine and the UDP socket(s) on [ike] port (500); IKE after the NAT float (RFC 7296
// §2.23) shares the udp carrier's socket on udp_port (4500), which AinNode owns and hands over
// every datagram with the non-ESP marker (RFC 3948 §2.2). Child SAs go to the Host (AinNode), which
// installs them as the customer's tunnel in the core engine, so their datagrams enter ANTs like any
// customer's.
#pragma once
#include <spdlog/logger.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/engine_api.h"
#include "crypto/rng.h"
#include "daemon/ike_driver.h"
#include "daemon/ike_settings.h"
#include "ike/ike_engine.h"
#include "io/sys_result.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::daemon {

class IkeNode final : public IkeDriver {
 public:
  // What the AIN does with what IKE negotiates.
  class Host {
   public:
    virtual ~Host() = default;
    virtual void ike_child_up(uint32_t customer, const ike::ChildSaUp& up) = 0;
    virtual void ike_child_down(uint32_t customer, uint32_t spi_in) = 0;
    // IKE PVTs (docs/ike.md "PVTs"): a child SA with AIN `peer` is up / gone.
    virtual void ike_pvt_up(core::NodeId peer, const ike::ChildSaUp& up) = 0;
    virtual void ike_pvt_down(core::NodeId peer, uint32_t spi_in) = 0;
    // IKE on udp_port: queue `payload` (marker included) on the carrier socket.
    virtual void ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) = 0;
    // Packets authenticated so far on the child SA with this inbound SPI
    // (nullopt: not installed); ESP is a sign of life (ike_liveness.h).
    virtual std::optional<uint64_t> ike_child_packets_in(uint32_t spi_in) const = 0;
    // ip carrier (own_encap): UDP-encapsulated ESP from a customer on our 4500.
    virtual void ike_esp(Time /*now*/, const wire::IpAddress& /*src*/, uint16_t /*port*/,
                         ByteSpan /*payload*/) {}
  };

  // Binds [ike] port for IPv4 and IPv6 (a missing family is a warning).
  // `self`: this AIN's address in the directory, our IKE address when the
  // kernel does not say where a datagram arrived.
  // `own_encap`: the carrier has no socket on udp_port (the ip carrier), so
  // this node binds it too and receives the customers' ESP in UDP there.
  static io::SysResult<std::unique_ptr<IkeNode>> open(const IkeSettings& s, uint16_t udp_port,
                                                      const wire::IpAddress& self, crypto::Rng& rng,
                                                      spdlog::logger& log,
                                                      std::vector<std::string>& warnings,
                                                      bool own_encap = false);
  void set_host(Host* h) { host_ = h; }

  // IKE PVTs: starts the IKE SA of every PVT whose peer has the higher node
  // id (the lower id initiates, the other only answers: no duplicate SAs),
  // and again a few seconds after one of them went down.
  void start_pvts(Time now);

  // Which customer an IKE SA's peer name is ("" / 0 when unknown).
  uint32_t customer_of(const std::string& peer) const;
  // Which PVT peer an IKE SA's peer name is (0 when none).
  core::NodeId pvt_of(const std::string& peer) const;

  // ike::Effects
  void child_sa_up(const ike::ChildSaUp& up) override;
  void child_sa_down(const ike::ChildSaDown& down) override;
  void ike_sa_up(const ike::IkeSaEvent& ev) override;
  void ike_sa_down(const ike::IkeSaEvent& ev) override;

 protected:
  // IkeDriver's own-timer hook: the PVT IKE SAs this AIN (re)starts.
  void run_own_timers(Time now) override;
  Time own_deadline() const override;
  void send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) override;
  void on_esp(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload) override;
  std::optional<uint64_t> child_packets_in(uint32_t spi_in) const override {
    return host_ ? host_->ike_child_packets_in(spi_in) : std::nullopt;
  }

 private:
  IkeNode(const IkeSettings& s, uint16_t udp_port, const wire::IpAddress& self, crypto::Rng& rng,
          spdlog::logger& log);

  IkeSettings settings_;
  spdlog::logger& log_;
  Host* host_ = nullptr;
  std::map<uint32_t, uint32_t> customer_of_spi_;  // child inbound SPI -> customer id
  std::map<uint32_t, core::NodeId> pvt_of_spi_;   // child inbound SPI -> PVT peer
  std::map<core::NodeId, Time> pvt_retry_;        // PVTs we initiate: when to (re)start
};

}  // namespace ainet::daemon
