// One simulated AIN: a core::Engine on the in-memory network. It is the
// engine's Effects: sends go into the network from this AIN's address, local
// deliveries (exit TUN) and events are collected for the tests. Its timers
// run off the network's virtual clock. A crashed AIN is never called again
// and the network blackholes everything to and from it.
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core/engine.h"
#include "crypto/rng.h"
#include "sim/sim_network.h"
#include "util/bytes.h"

namespace ainet::sim {

struct TimedEvent {
  Time at{};
  core::EngineEvent event;
};

class SimAin final : public Endpoint, public core::Effects {
 public:
  SimAin(SimNetwork& net, core::NodeId id, const IpAddress& addr, uint64_t rng_seed)
      : net_(net), id_(id), addr_(addr), rng_(rng_seed) {}
  SimAin(const SimAin&) = delete;
  SimAin& operator=(const SimAin&) = delete;

  // Creates the engine and joins the network.
  Errc start(core::EngineConfig cfg, std::shared_ptr<const core::Directory> dir) {
    auto e = core::Engine::create(std::move(cfg), std::move(dir), rng_, net_.now());
    if (!e) return e.error();
    engine_ = std::move(e).value();
    net_.attach(addr_, this);
    return Errc::ok;
  }

  core::NodeId id() const { return id_; }
  const IpAddress& address() const { return addr_; }
  core::Engine& engine() { return *engine_; }
  const core::Engine& engine() const { return *engine_; }
  crypto::Rng& rng() { return rng_; }

  // Stop: never call the engine again and cut every link of this AIN.
  void crash() {
    crashed_ = true;
    net_.set_down(addr_, true);
  }
  bool crashed() const { return crashed_; }

  // A reply from the Internet to a locally delivered datagram (exit TUN).
  void local_reply(ByteSpan datagram) {
    engine_->handle_local(net_.now(), datagram, *this);
    net_.reschedule(this);
  }
  Errc destroy_ant(uint64_t handle) {
    Errc e = engine_->destroy_ant(net_.now(), handle, *this);
    net_.reschedule(this);
    return e;
  }
  void shutdown() {
    engine_->shutdown(net_.now(), *this);
    net_.reschedule(this);
  }

  // Endpoint.
  void receive(Time now, const IpAddress& src, ByteSpan packet) override {
    if (crashed_) return;
    engine_->handle_packet(now, src, packet, *this);
  }
  Time next_deadline() const override {
    return crashed_ || !engine_ ? Time::max() : engine_->next_deadline();
  }
  void on_timer(Time now) override {
    if (!crashed_) engine_->handle_timers(now, *this);
  }

  // Effects.
  void send_packet(const IpAddress& dst, ByteSpan packet) override {
    net_.send(addr_, dst, packet);
  }
  void deliver_local(ByteSpan datagram) override {
    if (keep_local) {
      local.emplace_back(datagram.begin(), datagram.end());
      local_at.push_back(net_.now());
    }
    local_count++;
    if (on_local) on_local(datagram);
  }
  void on_event(const core::EngineEvent& e) override { events.push_back({net_.now(), e}); }

  std::vector<Bytes> local;  // exit local deliveries, in order
  std::vector<Time> local_at;  // when each of them was delivered
  uint64_t local_count = 0;
  bool keep_local = true;
  // Optional: sees each local delivery as it happens (tools/correlation's
  // Internet servers). Called from inside the engine: it must not call back
  // into this AIN (schedule the reply instead).
  std::function<void(ByteSpan)> on_local;
  std::vector<TimedEvent> events;

  // The first event of `kind` (optionally for one ANT handle) at or after t.
  const TimedEvent* find_event(core::EventKind kind, Time after = {}, uint64_t ant = 0) const {
    for (const auto& e : events) {
      if (e.event.kind == kind && e.at >= after && (ant == 0 || e.event.ant == ant)) return &e;
    }
    return nullptr;
  }
  size_t count_events(core::EventKind kind) const {
    size_t n = 0;
    for (const auto& e : events) n += e.event.kind == kind;
    return n;
  }
  uint64_t total_drops() const {
    uint64_t n = 0;
    for (uint64_t d : engine_->stats().drops) n += d;
    return n;
  }

 private:
  SimNetwork& net_;
  core::NodeId id_;
  IpAddress addr_;
  crypto::DeterministicRng rng_;  // declared before engine_: it must outlive it
  std::unique_ptr<core::Engine> engine_;
  bool crashed_ = false;
};

}  // namespace ainet::sim
