// FlowTable: the inner (source, destination) pairs this host has sent into
// its tunnel, so that on shutdown the endpoint can ask its AIN to tear down
// the ANT of each (customer control DESTROY, docs/protocol.md "Customer
// tunnels"). Fixed capacity, open addressing, allocated once: recording a
// packet's pair on the packet path never allocates. When full, new pairs are
// not remembered (counted); their ANTs then end by the AIN's inactivity
// timeout instead.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "util/bytes.h"
#include "wire/ip_address.h"

namespace ainet::endpoint {

struct FlowPair {
  wire::IpAddress src, dst;
};

class FlowTable {
 public:
  explicit FlowTable(size_t capacity = 1024);

  // Records the pair of an inner IPv4/IPv6 datagram. False if the datagram is
  // too short to name one, or the table is full.
  bool record(ByteSpan inner);

  size_t size() const { return used_; }
  uint64_t overflow() const { return overflow_; }
  // Every recorded pair, in slot order.
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.used) f(FlowPair{s.src, s.dst});
  }

 private:
  struct Slot {
    bool used = false;
    wire::IpAddress src, dst;
  };
  std::vector<Slot> slots_;
  size_t used_ = 0;
  uint64_t overflow_ = 0;
};

}  // namespace ainet::endpoint
