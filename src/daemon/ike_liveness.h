// ESP traffic as a sign of IKE liveness (RFC 7296 §1.4): "a liveness check
// is sent only if no cryptographically protected message (IKE, or ESP/AH on
// one of its child SAs) has been received for some time". The IKE engine only
// sees IKE messages, so the daemon tells it when a child SA's inbound packet
// count has grown (IkeEngine::peer_alive).
//
// It is checked only when an IKE timer is due (never per packet): at that
// moment a count that grew since the previous check means ESP arrived after
// it, i.e. within the liveness window, so the check can wait.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <optional>

#include "ike/ike_engine.h"
#include "util/time.h"

namespace ainet::daemon {

class IkeLiveness {
 public:
  // Inbound packets on the child SA with this inbound SPI, if still installed.
  using PacketsIn = std::function<std::optional<uint64_t>(uint32_t spi_in)>;

  void child_up(uint32_t spi_in, uint64_t ike_sa, uint64_t packets_now);
  void child_down(uint32_t spi_in) { children_.erase(spi_in); }
  // An IKE SA rekey moved its child SAs to new_handle (RFC 7296 §2.8).
  void ike_rekeyed(uint64_t old_handle, uint64_t new_handle);
  // Calls engine.peer_alive(now, ike_sa) for every IKE SA with a child whose
  // count grew since the last call. Returns how many IKE SAs that was.
  size_t check(Time now, ike::IkeEngine& engine, const PacketsIn& packets_in);

  size_t tracked() const { return children_.size(); }

 private:
  struct Child {
    uint64_t ike_sa = 0;
    uint64_t seen = 0;
  };
  std::map<uint32_t, Child> children_;  // by inbound SPI
};

}  // namespace ainet::daemon
