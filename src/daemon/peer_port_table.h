// PeerPortTable: the UDP port each IPsec peer last sent an authenticated
// packet from, for the udp carrier (RFC 3948). A peer behind a NAT that
// rewrote its source port 4500 is reachable only at the mapped port: RFC 3948
// §3 (and RFC 3947 §3) identify a NAT-T peer by address *and* port, and
// replies must go to the port the NAT allocated.
//
// Only authenticated packets may update an entry (the caller's duty; aind
// learns from core::Effects::peer_authenticated): as RFC 7296 §2.23 says for
// IKE, updating the mapping from an unauthenticated packet would let anyone
// who can spoof the peer's address redirect its traffic.
//
// Bounded: only configured PVT peers and customers can authenticate, so the
// capacity is their number. Learning a new address allocates one map node;
// updating or looking up a known one allocates nothing (packet path). When a
// new address arrives at a full table (a peer's directory address changed),
// the entry learned longest ago gives way.
#pragma once
#include <cstddef>
#include <cstdint>
#include <unordered_map>

#include "wire/ip_address.h"

namespace ainet::daemon {

class PeerPortTable {
 public:
  explicit PeerPortTable(uint16_t default_port = 4500, size_t capacity = 0) : default_port_(default_port) {
    set_capacity(capacity);
  }

  // Not on the packet path: sizes the table once (at start).
  void set_capacity(size_t capacity) {
    capacity_ = capacity;
    ports_.reserve(capacity);
    while (ports_.size() > capacity_) evict_oldest();
  }

  // `addr` sent an authenticated packet from `port`. Port 0 (no UDP: the ip
  // carrier) and a zero capacity learn nothing.
  void learn(const wire::IpAddress& addr, uint16_t port) {
    if (port == 0 || capacity_ == 0) return;
    ++clock_;
    // find_slot is const for port_of; this table is not, so writing is fine.
    Slot* slot = const_cast<Slot*>(find_slot(addr));
    if (slot != nullptr) {
      if (slot->port != port) ++changes_;
      *slot = {port, clock_};
      return;
    }
    if (ports_.size() >= capacity_) evict_oldest();
    memo_.set(&ports_.emplace(addr, Slot{port, clock_}).first->second, addr);
    if (port != default_port_) ++changes_;
  }

  // Where packets for `addr` go: the learned port, else the default (4500).
  uint16_t port_of(const wire::IpAddress& addr) const {
    if (ports_.empty()) return default_port_;
    const Slot* slot = find_slot(addr);
    return slot == nullptr ? default_port_ : slot->port;
  }

  // Whether `addr`'s port was learned (an authenticated packet came from
  // it), as opposed to the default; for ainctl, not the packet path.
  bool learned(const wire::IpAddress& addr) const { return ports_.count(addr) != 0; }

  size_t size() const { return ports_.size(); }
  size_t capacity() const { return capacity_; }
  uint16_t default_port() const { return default_port_; }
  // Times a peer's port moved away from what was known (a NAT mapping seen or changed).
  uint64_t changes() const { return changes_; }
  uint64_t evictions() const { return evictions_; }

 private:
  struct Slot {
    uint16_t port = 0;
    uint64_t learned = 0;  // clock_ at the last learn
  };

  // The slot of `addr`, or null. Both directions of a busy link name the
  // same peer packet after packet, so the last slot found is remembered
  // (a map node's address is stable across rehashing; only erasing it ends
  // it, and evict_oldest forgets it): a hash lookup per cell was about 1% of
  // a loaded machine (issue 10 profile).
  const Slot* find_slot(const wire::IpAddress& addr) const {
    if (memo_.slot != nullptr && memo_.addr == addr) return memo_.slot;
    auto it = ports_.find(addr);
    if (it == ports_.end()) return nullptr;
    memo_.set(&it->second, addr);
    return memo_.slot;
  }

  void evict_oldest() {
    auto oldest = ports_.begin();
    for (auto it = ports_.begin(); it != ports_.end(); ++it)
      if (it->second.learned < oldest->second.learned) oldest = it;
    if (oldest == ports_.end()) return;
    if (memo_.slot == &oldest->second) memo_.slot = nullptr;
    ports_.erase(oldest);
    ++evictions_;
  }

  uint16_t default_port_;
  size_t capacity_ = 0;
  uint64_t clock_ = 0;
  uint64_t changes_ = 0, evictions_ = 0;
  // find_slot's memo. A copy or move of the table starts without one, so it
  // can never point into another table's map.
  struct Memo {
    const Slot* slot = nullptr;
    wire::IpAddress addr;
    Memo() = default;
    Memo(const Memo&) {}
    Memo& operator=(const Memo&) {
      slot = nullptr;
      return *this;
    }
    void set(const Slot* s, const wire::IpAddress& a) {
      slot = s;
      addr = a;
    }
  };

  std::unordered_map<wire::IpAddress, Slot> ports_;
  mutable Memo memo_;
};

}  // namespace ainet::daemon
