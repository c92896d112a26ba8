// The clock of the applications and transports of bench/correlation: one
// simulation Endpoint (attached at an address nothing sends to) whose timer
// runs every callback that is due. Callbacks may schedule more; call kick()
// after scheduling from outside this endpoint's own timer (from a packet
// receive), so the network honours the new deadline.
#pragma once
#include <functional>
#include <queue>
#include <vector>

#include "sim/sim_network.h"

namespace ainet::corr {

class Scheduler final : public sim::Endpoint {
 public:
  explicit Scheduler(sim::SimNetwork& net) : net_(net) {}
  void attach(const sim::IpAddress& addr) { net_.attach(addr, this); }

  Time now() const { return net_.now(); }
  void at(Time t, std::function<void(Time)> fn) {
    if (t < net_.now()) t = net_.now();
    q_.push({t, seq_++, std::move(fn)});
  }
  void kick() { net_.reschedule(this); }

  void receive(Time, const sim::IpAddress&, ByteSpan) override {}
  Time next_deadline() const override { return q_.empty() ? Time::max() : q_.top().at; }
  void on_timer(Time now) override {
    while (!q_.empty() && q_.top().at <= now) {
      auto fn = std::move(const_cast<Item&>(q_.top()).fn);
      q_.pop();
      fn(now);
    }
  }

 private:
  struct Item {
    Time at{};
    uint64_t seq = 0;  // FIFO among equal times: deterministic
    std::function<void(Time)> fn;
  };
  struct Later {
    bool operator()(const Item& a, const Item& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };
  sim::SimNetwork& net_;
  uint64_t seq_ = 0;
  std::priority_queue<Item, std::vector<Item>, Later> q_;
};

}  // namespace ainet::corr
