// The inner addresses a responder hands to initiators in CFG_REPLY
// (RFC 7296 §3.15.1 INTERNAL_IP4_ADDRESS / INTERNAL_IP6_ADDRESS). One pool
// per family, given as a prefix; addresses are leased to an IKE SA handle
// and come back when the IKE SA goes away (a rekeyed IKE SA passes its
// lease on). Bounded by the prefix and by kMaxLeases.
#pragma once
#include <cstdint>
#include <map>
#include <optional>

#include "wire/ip_address.h"

namespace ainet::ike {

class AddressPool {
 public:
  static constexpr size_t kMaxLeases = 1 << 16;
  AddressPool() = default;
  // The network address itself (and for IPv4 the broadcast address) is
  // never handed out.
  explicit AddressPool(const wire::IpPrefix& prefix) : prefix_(prefix), configured_(true) {}
  bool configured() const { return configured_; }
  const wire::IpPrefix& prefix() const { return prefix_; }

  // A free address for `owner`, or nullopt when the pool is exhausted.
  // `wanted` (RFC 7296 §3.15.1: the initiator asked for it) is given when it
  // is a free host address of the pool, else any other.
  std::optional<wire::IpAddress> lease(uint64_t owner,
                                       std::optional<wire::IpAddress> wanted = std::nullopt);
  void release(const wire::IpAddress& a);
  // Hands every lease of `from` to `to` (IKE SA rekey).
  void transfer(uint64_t from, uint64_t to);
  size_t leased() const { return leases_.size(); }
  std::optional<uint64_t> owner_of(const wire::IpAddress& a) const;

 private:
  wire::IpPrefix prefix_;
  bool configured_ = false;
  uint64_t next_ = 1;  // host index to try next (round robin, so a freed address rests)
  std::map<wire::IpAddress, uint64_t> leases_;
};

}  // namespace ainet::ike
