// IkeDriver: the I/O around the sans-I/O ike::IkeEngine, shared by aind
// (daemon/ike_node.h, responder for customers) and ain-endpoint (its IKEv2
// initiator to the AIN, endpoint/endpoint_ike.h). It owns the engine and the
// UDP sockets on the IKE port (500, IPv4 and IPv6) and routes what the
// engine sends: from the IKE port on those sockets; from the NAT-T port
// (4500 after the float, RFC 7296 §2.23) through send_encap(), because that
// port's socket belongs to the carrier, which also carries the ESP (RFC 3948).
// The carrier hands back every datagram with the non-ESP marker (§2.2) by
// on_encap(). Child and IKE SA events stay the subclass's (ike::Effects).
#pragma once
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "daemon/ike_liveness.h"
#include "ike/ike_config.h"
#include "ike/ike_engine.h"
#include "io/packet_batch.h"
#include "io/sys_result.h"
#include "io/udp_socket.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::daemon {

class IkeDriver : public ike::Effects {
 public:
  // `port`: the IKE port (500); `encap_port`: the carrier's UDP port (4500);
  // `self`: our address when the kernel does not say where a datagram arrived.
  IkeDriver(ike::IkeConfig cfg, uint16_t port, uint16_t encap_port, const wire::IpAddress& self,
            crypto::Rng& rng);
  IkeDriver(const IkeDriver&) = delete;
  IkeDriver& operator=(const IkeDriver&) = delete;

  // Binds `port` for IPv4 and IPv6; a family that fails is a note in
  // `warnings`, both failing is the error.
  io::SysStatus bind(std::vector<std::string>& warnings);
  // Also binds `encap_port` (4500) when no carrier socket owns it (aind on
  // the ip carrier): IKE after the float arrives there with its marker, and
  // UDP-encapsulated ESP (RFC 3948) goes to on_esp().
  io::SysStatus bind_encap(std::vector<std::string>& warnings);
  bool owns_encap() const { return !encap_sockets_.empty(); }
  // Sends one UDP-encapsulated ESP packet from our encap port (bind_encap).
  void send_esp(const wire::IpAddress& dst, uint16_t port, ByteSpan payload);

  std::vector<int> fds() const;
  void on_readable(int fd, Time now);
  // A datagram with the non-ESP marker that arrived on the carrier's port.
  void on_encap(Time now, const wire::IpAddress& src, uint16_t port, ByteSpan payload);
  // Runs the engine's due timers (after the ESP liveness check), then the
  // subclass's own (run_own_timers), then the deferred work: one drain.
  void on_timer(Time now);
  Time next_deadline() const { return std::min(engine_->next_deadline(), own_deadline()); }

  // A child SA the owner cannot use: deleted once the engine call that
  // announced it has returned (Effects must not re-enter the engine).
  void defer_terminate_child(uint32_t spi_in) { terminate_.push_back(spi_in); }
  // Runs deferred work; call after any engine call made from outside.
  void drain(Time now);

  ike::IkeEngine& engine() { return *engine_; }
  const ike::IkeEngine& engine() const { return *engine_; }
  uint16_t port() const { return port_; }
  uint16_t encap_port() const { return encap_port_; }

  void send_datagram(const ike::UdpEndpoint& local, const ike::UdpEndpoint& remote,
                     ByteSpan payload) override;

 protected:
  // IKE from the carrier's port: queue `payload` (marker included) there.
  virtual void send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) = 0;
  // ESP (a non-zero SPI) on our own encap socket (bind_encap).
  virtual void on_esp(Time /*now*/, const wire::IpAddress& /*src*/, uint16_t /*port*/,
                      ByteSpan /*payload*/) {}
  // Packets authenticated so far on the child SA with this inbound SPI
  // (nullopt: not installed). A subclass that answers it and keeps
  // liveness_ told of its child SAs gets ESP counted as a sign of life
  // (RFC 7296 §1.4, ike_liveness.h).
  virtual std::optional<uint64_t> child_packets_in(uint32_t /*spi_in*/) const {
    return std::nullopt;
  }
  // Timers of the subclass beside the engine's (aind's PVT restarts):
  // on_timer() calls run_own_timers when now >= own_deadline().
  virtual void run_own_timers(Time /*now*/) {}
  virtual Time own_deadline() const { return Time::max(); }
  IkeLiveness liveness_;
  Time now_{};  // of the current entry point (on_readable, on_encap, on_timer)

 private:
  static io::SysStatus bind_port(uint16_t port, std::vector<io::UdpSocket>& out,
                                 std::vector<std::string>& warnings);
  void send_on(std::vector<io::UdpSocket>& socks, const ike::UdpEndpoint& local,
               const ike::UdpEndpoint& remote, ByteSpan payload);

  uint16_t port_, encap_port_;
  wire::IpAddress self_;
  std::unique_ptr<ike::IkeEngine> engine_;
  std::vector<io::UdpSocket> sockets_;
  std::vector<io::UdpSocket> encap_sockets_;  // bind_encap only
  io::PacketBatch in_{16, 8192};   // IKE_SA_INIT requests are at most 4 KiB (docs/ike.md)
  io::PacketBatch out_{1, 65535};  // one message at a time, up to the IKE maximum
  std::vector<uint32_t> terminate_;
};

}  // namespace ainet::daemon
