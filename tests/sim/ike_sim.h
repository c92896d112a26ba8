// A deterministic in-memory UDP network for IKE engines: virtual clock,
// per-datagram latency, seeded loss / duplication / reordering, an optional
// port-mapping NAT in front of a node, and hooks to drop, tamper with or
// inject datagrams. Everything random comes from one DeterministicRng, so a
// run is a function of its seed. Used by tests/sim/ike_*_test.cc and the
// exchange tests in tests/unit/ike.
//
// Header-only (like sim_network.h): sim_tests and unit_ike_tests both
// include it.
#pragma once
#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "crypto/rng.h"
#include "ike/ike_engine.h"
#include "sa/security_association.h"
#include "wire/constants.h"

namespace ainet::ike::sim {

struct Datagram {
  UdpEndpoint from, to;
  Bytes data;
  bool injected = false;
};

class IkeSimNet;

// One IKE speaker on the network: its engine plus a record of every event.
class IkeNode : public Effects {
 public:
  IkeNode(IkeSimNet& net, std::string name, wire::IpAddress addr, IkeConfig cfg, uint64_t seed)
      : net_(net),
        name_(std::move(name)),
        addr_(addr),
        cfg_(cfg),
        rng_(seed),
        engine_(std::make_unique<IkeEngine>(std::move(cfg), rng_)) {}

  const std::string& name() const { return name_; }
  const wire::IpAddress& addr() const { return addr_; }
  IkeEngine& engine() { return *engine_; }
  bool crashed() const { return crashed_; }
  // A crashed node neither receives nor runs timers (its state is frozen).
  void crash() { crashed_ = true; }
  // Comes back with a fresh engine: every SA forgotten (a reboot).
  void restart() {
    engine_ = std::make_unique<IkeEngine>(cfg_, rng_);
    crashed_ = false;
    child_ups.clear();
    child_downs.clear();
    ike_ups.clear();
    ike_downs.clear();
  }

  void send_datagram(const UdpEndpoint& local, const UdpEndpoint& remote,
                     ByteSpan payload) override;
  void child_sa_up(const ChildSaUp& u) override { child_ups.push_back(u); }
  void child_sa_down(const ChildSaDown& d) override { child_downs.push_back(d); }
  void ike_sa_up(const IkeSaEvent& e) override { ike_ups.push_back(e); }
  void ike_sa_down(const IkeSaEvent& e) override { ike_downs.push_back(e); }
  void set_timer(Time at) override { timer_ = at; }

  std::vector<ChildSaUp> child_ups;
  std::vector<ChildSaDown> child_downs;
  std::vector<IkeSaEvent> ike_ups, ike_downs;
  uint64_t sent = 0;

  // Child SAs currently up (up events minus down events), by inbound SPI.
  std::map<uint32_t, ChildSaUp> live_children() const {
    std::map<uint32_t, ChildSaUp> m;
    for (const ChildSaUp& u : child_ups) m[u.spi_in] = u;
    for (const ChildSaDown& d : child_downs) m.erase(d.spi_in);
    return m;
  }
  size_t live_ike_sas() const { return engine_->list_ike_sas().size(); }

 private:
  IkeSimNet& net_;
  std::string name_;
  wire::IpAddress addr_;
  IkeConfig cfg_;
  crypto::DeterministicRng rng_;
  std::unique_ptr<IkeEngine> engine_;
  bool crashed_ = false;
  Time timer_ = Time::max();
};

struct Impairments {
  double loss = 0, duplicate = 0, reorder = 0;
  Duration latency = Duration::ms(5);
  Duration reorder_delay = Duration::ms(40);
};

class IkeSimNet {
 public:
  explicit IkeSimNet(uint64_t seed) : rng_(seed) {}

  IkeNode& add_node(std::string name, const wire::IpAddress& addr, IkeConfig cfg) {
    nodes_.push_back(
        std::make_unique<IkeNode>(*this, std::move(name), addr, std::move(cfg), rng_.u64()));
    return *nodes_.back();
  }

  // A NAPT in front of `inside`: its datagrams leave from `public_addr`
  // with a mapped port, and datagrams to a mapped port go back in. The
  // mapping for (inside addr, port) is made on the first outgoing datagram.
  void add_nat(const wire::IpAddress& inside, const wire::IpAddress& public_addr) {
    nats_.push_back({inside, public_addr, {}, {}});
  }

  Time now() const { return now_; }
  Impairments impair;
  // Returns false to drop a datagram (after impairments); may modify it.
  std::function<bool(Datagram&)> filter;
  std::vector<Datagram> wire_log;  // every datagram handed to the network, as sent

  void send(const UdpEndpoint& from, const UdpEndpoint& to, ByteSpan payload,
            bool injected = false) {
    Datagram d{from, to, Bytes(payload.begin(), payload.end()), injected};
    translate_out(d);
    wire_log.push_back(d);
    if (!injected && impair.loss > 0 && rng_unit() < impair.loss) return;
    Duration delay = impair.latency;
    if (!injected && impair.reorder > 0 && rng_unit() < impair.reorder)
      delay = Duration{delay.ns + impair.reorder_delay.ns};
    schedule(now_ + delay, d);
    if (!injected && impair.duplicate > 0 && rng_unit() < impair.duplicate)
      schedule(now_ + delay + Duration::ms(1), d);
  }

  // Puts bytes on the wire as if sent by someone (no NAT translation of the source).
  void inject(const UdpEndpoint& from, const UdpEndpoint& to, ByteSpan payload) {
    Datagram d{from, to, Bytes(payload.begin(), payload.end()), true};
    wire_log.push_back(d);
    schedule(now_ + impair.latency, d);
  }

  // Runs events until `until` (or until nothing is left). Bounded in steps.
  void run_until(Time until, size_t max_steps = 2'000'000) {
    for (size_t step = 0; step < max_steps; ++step) {
      Time next = inflight_.empty() ? Time::max() : inflight_.begin()->first.first;
      IkeNode* timer_node = nullptr;
      for (auto& n : nodes_) {
        if (n->crashed()) continue;
        const Time t = n->engine().next_deadline();
        if (t < next) {
          next = t;
          timer_node = n.get();
        }
      }
      if (next > until || next == Time::max()) {
        now_ = std::max(now_, until);
        return;
      }
      now_ = std::max(now_, next);
      if (timer_node != nullptr) {
        timer_node->engine().handle_timers(now_, *timer_node);
        continue;
      }
      auto it = inflight_.begin();
      Datagram d = std::move(it->second);
      inflight_.erase(it);
      deliver(d);
    }
    ADD_FAILURE() << "IkeSimNet::run_until: step bound reached";
  }
  void run_for(Duration d) { run_until(now_ + d); }

  size_t inflight() const { return inflight_.size(); }
  uint64_t delivered = 0;

 private:
  struct Nat {
    wire::IpAddress inside, outside;
    std::map<uint16_t, uint16_t> out_port;  // inside port -> public port
    std::map<uint16_t, uint16_t> in_port;   // public port -> inside port
  };

  double rng_unit() { return static_cast<double>(rng_.u32()) / 4294967296.0; }

  void translate_out(Datagram& d) {
    for (Nat& n : nats_) {
      if (d.from.addr != n.inside) continue;
      auto it = n.out_port.find(d.from.port);
      if (it == n.out_port.end()) {
        const uint16_t p = static_cast<uint16_t>(30000 + n.out_port.size() * 7 + 1);
        it = n.out_port.emplace(d.from.port, p).first;
        n.in_port[p] = d.from.port;
      }
      d.from = {n.outside, it->second};
    }
  }
  bool translate_in(Datagram& d) {
    for (Nat& n : nats_) {
      if (d.to.addr != n.outside) continue;
      auto it = n.in_port.find(d.to.port);
      if (it == n.in_port.end()) return false;  // no mapping: the NAT drops it
      d.to = {n.inside, it->second};
    }
    return true;
  }

  void schedule(Time at, const Datagram& d) { inflight_.emplace(std::make_pair(at, seq_++), d); }

  void deliver(Datagram& d) {
    if (filter && !filter(d)) return;
    if (!translate_in(d)) return;
    for (auto& n : nodes_) {
      if (n->addr() != d.to.addr || n->crashed()) continue;
      ++delivered;
      n->engine().handle_datagram(now_, d.to, d.from, d.data, *n);
    }
  }

  crypto::DeterministicRng rng_;
  Time now_ = Time::from_s(1000);
  std::vector<std::unique_ptr<IkeNode>> nodes_;
  std::vector<Nat> nats_;
  std::map<std::pair<Time, uint64_t>, Datagram> inflight_;
  uint64_t seq_ = 0;
};

inline void IkeNode::send_datagram(const UdpEndpoint& local, const UdpEndpoint& remote,
                                   ByteSpan payload) {
  ++sent;
  net_.send(local, remote, payload);
}

// ---- configuration helpers ---------------------------------------------------

inline Bytes test_psk() {
  const std::string s = "correct horse battery staple";
  return Bytes(s.begin(), s.end());
}

// A PSK peer pair: `a` initiates to `b`. Both sides list each other.
inline PeerConfig psk_peer(const std::string& name, const wire::IpAddress& local,
                           const wire::IpAddress& remote, const std::string& local_id,
                           const std::string& remote_id) {
  PeerConfig p;
  p.name = name;
  p.local = {local, wire::kIkePort};
  p.remote = {remote, wire::kIkePort};
  p.local_id = Identity::fqdn(local_id);
  p.remote_id = Identity::fqdn(remote_id);
  p.local_auth.kind = AuthKind::psk;
  p.local_auth.psk = test_psk();
  p.remote_auth.kind = AuthKind::psk;
  p.remote_auth.psk = test_psk();
  return p;
}

// Fast timers for simulations: seconds instead of hours.
inline IkeConfig sim_config() {
  IkeConfig c;
  c.retransmit.initial = Duration::ms(500);
  c.retransmit.max_interval = Duration::s(4);
  c.retransmit.tries = 4;
  c.dpd_delay = Duration::s(10);
  c.half_open_timeout = Duration::s(10);
  c.lifetimes.ike_soft = Duration::s(3600);
  c.lifetimes.ike_hard = Duration::s(4000);
  c.lifetimes.child_soft = Duration::s(600);
  c.lifetimes.child_hard = Duration::s(700);
  c.lifetimes.jitter = Duration::s(30);
  return c;
}

// The two addresses of a two-engine test, and a config that lists one peer.
inline const wire::IpAddress kNodeA = wire::IpAddress::v4(0xc0000201);  // 192.0.2.1
inline const wire::IpAddress kNodeB = wire::IpAddress::v4(0xc0000202);  // 192.0.2.2

inline IkeConfig with_peer(PeerConfig p, IkeConfig c = sim_config()) {
  c.peers.push_back(std::move(p));
  return c;
}
inline PeerConfig a_to_b() {
  return psk_peer("to-b", kNodeA, kNodeB, "a.example", "b.example");
}
inline PeerConfig b_to_a() {
  return psk_peer("to-a", kNodeB, kNodeA, "b.example", "a.example");
}

// Two engines on one simulated network: `a` (kNodeA) initiates "to-b" to
// `b` (kNodeB); by default both use the PSK peers above. Tests derive from it
// to add their own helpers.
struct EnginePair {
  IkeSimNet net;
  IkeNode* a;
  IkeNode* b;
  EnginePair(IkeConfig ca, IkeConfig cb, uint64_t seed) : net(seed) {
    a = &net.add_node("a", kNodeA, std::move(ca));
    b = &net.add_node("b", kNodeB, std::move(cb));
  }
  explicit EnginePair(uint64_t seed) : EnginePair(with_peer(a_to_b()), with_peer(b_to_a()), seed) {}
};

// Checks that the child SA `u` at one end and `v` at the other are the two
// halves of one pair: SPIs and keys cross over, and real ESP works both ways
// through sa::SecurityAssociation with those keys.
inline ::testing::AssertionResult child_pair_works(const ChildSaUp& u, const ChildSaUp& v) {
  if (u.spi_in != v.spi_out || u.spi_out != v.spi_in)
    return ::testing::AssertionFailure() << "SPIs do not cross over";
  if (u.inbound.keymat.size() == 0 ||
      !std::equal(u.inbound.keymat.span().begin(), u.inbound.keymat.span().end(),
                  v.outbound.keymat.span().begin(), v.outbound.keymat.span().end()) ||
      !std::equal(u.outbound.keymat.span().begin(), u.outbound.keymat.span().end(),
                  v.inbound.keymat.span().begin(), v.inbound.keymat.span().end()))
    return ::testing::AssertionFailure() << "keys do not cross over";
  crypto::DeterministicRng rng(7);
  for (const auto& [tx_cfg, rx_cfg] :
       {std::pair{&u.outbound, &v.inbound}, std::pair{&v.outbound, &u.inbound}}) {
    sa::SaConfig t = *tx_cfg, r = *rx_cfg;
    t.framing = r.framing = sa::Framing::udp;  // no outer IP header needed for the check
    auto tx = sa::SecurityAssociation::create(t);
    auto rx = sa::SecurityAssociation::create(r);
    if (!tx || !rx) return ::testing::AssertionFailure() << "SecurityAssociation::create failed";
    const Bytes inner = {0x45, 0, 0, 20, 0, 0, 0x40, 0, 64, 59, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2};
    Bytes out(256);
    auto n = tx.value()->seal(inner, 4, out, rng);
    if (!n) return ::testing::AssertionFailure() << "seal failed";
    out.resize(*n);
    auto opened = rx.value()->open(out);
    if (!opened)
      return ::testing::AssertionFailure() << "open failed: " << to_string(opened.error());
    if (!std::equal(opened->payload.begin(), opened->payload.end(), inner.begin(), inner.end()))
      return ::testing::AssertionFailure() << "payload differs";
  }
  return ::testing::AssertionSuccess();
}

}  // namespace ainet::ike::sim
