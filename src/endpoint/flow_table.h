// FlowTable: the inner (source, destination) pairs this host has sent into
// its tunnel, with packet and byte counters, so that on shutdown the endpoint
// can ask its AIN to tear down the ANT of each (customer control DESTROY,
// docs/protocol.md "Customer tunnels") and an operator can list them
// (docs/control.md "ain-endpoint"). Fixed capacity, open addressing,
// allocated once: recording a packet on the packet path never allocates.
// When full, new pairs are not remembered (counted); their ANTs then end by
// the AIN's inactivity timeout instead.
//
// Pairs idle for the endpoint's flow_idle_timeout (no datagram either way)
// are aged out by expire(), run from a timer: their ANTs have ended at the
// AIN by its own inactivity timeout by then, and a long-running host must not
// fill the table with pairs of the past. Removal shifts the following entries
// of the probe run back (linear probing without tombstones), so a free slot
// still ends every probe.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/bytes.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::endpoint {

struct FlowPair {
  wire::IpAddress src, dst;                 // as sent: src is this host's inner address
  uint64_t packets_out = 0, bytes_out = 0;  // sent (inner datagram bytes)
  uint64_t packets_in = 0, bytes_in = 0;    // received from dst to src
  Time last_active{};                       // last datagram either way
};

class FlowTable {
 public:
  explicit FlowTable(size_t capacity = 1024);

  // Records an inner IPv4/IPv6 datagram sent into the tunnel: its pair, and
  // one packet of inner.size() bytes. False if the datagram is too short to
  // name a pair, or the table is full.
  bool record(ByteSpan inner, Time now);
  // Counts an inner datagram received from the tunnel against the pair it
  // answers (its destination -> its source). Never adds a pair: only what
  // this host sent is listed. False if no such pair was sent.
  bool count_reply(ByteSpan inner, Time now);
  // Removes every pair without a datagram since `now - idle`; returns how many.
  size_t expire(Time now, Duration idle);

  size_t size() const { return used_; }
  size_t capacity() const { return slots_.size(); }
  uint64_t overflow() const { return overflow_; }
  uint64_t expired() const { return expired_; }  // pairs aged out so far
  // Every recorded pair with its counters, in slot order.
  template <typename F>
  void for_each(F&& f) const {
    for (const Slot& s : slots_)
      if (s.used) f(static_cast<const FlowPair&>(s));
  }

 private:
  struct Slot : FlowPair {
    bool used = false;
  };
  // The slot of (src, dst): found, or a new one when `insert`; nullptr when
  // absent (and not inserted) or the table is full.
  Slot* find(const wire::IpAddress& src, const wire::IpAddress& dst, bool insert);
  size_t home(const wire::IpAddress& src, const wire::IpAddress& dst) const;
  void erase_at(size_t i);

  std::vector<Slot> slots_;
  size_t used_ = 0;
  uint64_t overflow_ = 0;
  uint64_t expired_ = 0;
};

}  // namespace ainet::endpoint
