// EndpointIkeClient: ain-endpoint's IKEv2 initiator to its AIN (docs/ike.md
// "ain-endpoint over IKEv2"). The I/O is daemon::IkeDriver's, shared with
// aind; this class adds what an endpoint does with the engine's events: one
// IKE SA with the peer kIkePeer (endpoint.ike), its child SAs handed to the
// Host (the datapath's tunnel), and a new IKE SA some seconds after the old
// one is gone (deleted by the AIN, dead peer). Rekeys are the engine's:
// a rekeyed IKE SA is followed by handle, a rekeyed child comes up before
// the old one goes down.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "daemon/ike_driver.h"
#include "endpoint/endpoint_config.h"

namespace ainet::endpoint {

class EndpointIkeClient final : public daemon::IkeDriver {
 public:
  class Host {
   public:
    virtual ~Host() = default;
    // False: the child SA cannot be used (it is deleted again).
    virtual bool ike_child_up(const ike::ChildSaUp& up) = 0;
    virtual void ike_child_down(uint32_t spi_in) = 0;
    // Packets authenticated so far on the child SA (nullopt: not installed).
    virtual std::optional<uint64_t> ike_child_packets_in(uint32_t spi_in) const = 0;
    virtual void ike_send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) = 0;
    virtual void ike_log(const std::string& line) = 0;
    // deadline() may have moved earlier (an event from a socket, not a timer).
    virtual void ike_timer(Time at) = 0;
  };

  // How long after losing the IKE SA a new one is started.
  static constexpr Duration kRetry = Duration::s(5);

  EndpointIkeClient(const EndpointConfig& c, crypto::Rng& rng, Host& host);

  // Starts the first IKE SA (IKE_SA_INIT to the AIN).
  Status start(Time now);
  // Timers of the engine and the restart.
  void tick(Time now);
  Time deadline() const;

  bool child_up() const { return children_ > 0; }
  // Why the last IKE SA went down ("" while none failed).
  const std::string& failure() const { return failure_; }
  bool auth_failed() const { return auth_failed_; }
  uint64_t handle() const { return handle_; }
  std::optional<wire::IpAddress> virtual_ip4() const { return vip4_; }

  // ike::Effects
  void child_sa_up(const ike::ChildSaUp& up) override;
  void child_sa_down(const ike::ChildSaDown& down) override;
  void ike_sa_up(const ike::IkeSaEvent& ev) override;
  void ike_sa_down(const ike::IkeSaEvent& ev) override;
  void set_timer(Time at) override { host_.ike_timer(at); }

 protected:
  void send_encap(const ike::UdpEndpoint& remote, ByteSpan payload) override;
  std::optional<uint64_t> child_packets_in(uint32_t spi_in) const override {
    return host_.ike_child_packets_in(spi_in);
  }

 private:
  Host& host_;
  uint64_t handle_ = 0;  // the IKE SA we follow (0: none)
  int children_ = 0;
  Time retry_at_ = Time::max();
  bool want_retry_ = false;  // set by ike_sa_down (no clock there); tick() schedules it
  std::string failure_;
  bool auth_failed_ = false;
  std::optional<wire::IpAddress> vip4_;
};

// A reason for the log ("authentication failed (AUTHENTICATION_FAILED)").
std::string describe(ike::IkeDownReason r);

}  // namespace ainet::endpoint
