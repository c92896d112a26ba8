// One run of bench/correlation (see testbed.h).
//
// Link model (one draw per link, from the seed):
//   customer access links: 20-50 Mbit/s each way, 5-30 ms one-way latency,
//     drop-tail queue of 50 ms (a home router / DSLAM buffer);
//   inter-AIN links: 1 Gbit/s, 5-40 ms one-way latency (metro to
//     continental distances), drop-tail queue of 10 ms;
//   exit <-> server on the Internet: 2-20 ms one-way, uncongested.
#include "testbed.h"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <tuple>

#include "sim/sim_datagram.h"
#include "sim/sim_world.h"
#include "transport.h"
#include "wire/ip_packet.h"

namespace ainet::corr {

namespace {

using sim::IpAddress;
using sim::NodeId;

double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

Duration ms(double v) {
  return Duration{static_cast<int64_t>(v * 1e6)};
}

// Sits at a customer's address in front of its SimCustomer: passes every
// packet on, then hands the inner datagrams it opened to the application.
class CustomerTap final : public sim::Endpoint {
 public:
  CustomerTap(sim::SimCustomer& c, std::function<void(Time, ByteSpan)> fn)
      : c_(c), fn_(std::move(fn)) {}
  void receive(Time now, const IpAddress& src, ByteSpan packet) override {
    c_.receive(now, src, packet);
    for (const Bytes& d : c_.received) fn_(now, d);
    c_.received.clear();
    c_.received_at.clear();
  }

 private:
  sim::SimCustomer& c_;
  std::function<void(Time, ByteSpan)> fn_;
};

// The UDP payload of a datagram and its ports.
struct Udp {
  IpAddress src, dst;
  uint16_t sport = 0, dport = 0;
  ByteSpan payload;
};
bool parse_udp(ByteSpan d, Udp* u) {
  auto info = wire::parse_ip_packet(d);
  if (!info || info->protocol != wire::kProtoUdp) return false;
  ByteSpan udp = d.subspan(info->payload_offset);
  if (udp.size() < wire::kUdpHeaderLen) return false;
  u->src = info->src;
  u->dst = info->dst;
  u->sport = load_be16(&udp[0]);
  u->dport = load_be16(&udp[2]);
  u->payload = udp.subspan(wire::kUdpHeaderLen);
  return true;
}

Bytes segment_datagram(const sim::Flow& f, const Segment& s) {
  Bytes payload(kSegmentHeader + s.len, 0);
  encode_segment(s, payload);
  return sim::make_udp_datagram(f, payload);
}

class Bench {
 public:
  Bench(const BenchOptions& o, Defence d) : o_(o), d_(d), draw_(o.seed * 7919 + 17) {}

  RunResult run() {
    const double cpu0 = cpu_seconds();
    if (!build()) return std::move(res_);
    const Time end = Time{o_.duration.ns};
    while (w_->now() < end) {
      w_->net.run_until(std::min(w_->now() + Duration::s(1), end));
      collect_records();
    }
    finish();
    res_.cpu_seconds = cpu_seconds() - cpu0;
    return std::move(res_);
  }

 private:
  struct FlowState {
    FlowScript script;
    size_t customer = 0;
    IpAddress inner, server;
    uint16_t sport = 0;
    Duration inet_delay{};
    std::unique_ptr<Conn> client, server_conn;
    std::vector<uint64_t> req_end, resp_end;  // cumulative stream offsets per exchange
    std::vector<Time> req_at;
    size_t done = 0, served = 0;
    // Where the server's replies go: the exit that delivered, and the
    // source it showed (the ANT's pool address).
    NodeId exit = 0;
    IpAddress exit_src;
    size_t exit_flow = 0;
    std::vector<Time> up_sent, down_sent;  // by datagram counter
  };

  bool build() {
    crypto::DeterministicRng trng(o_.seed ^ 0x7090);
    sim::WorldSpec spec;
    spec.seed = o_.seed;
    spec.topo = sim::Topology::random(o_.ains, 3, trng);
    // AINs 1..n/2 are entrances (customers attach there), the others exits.
    const size_t entrances = std::max<size_t>(1, o_.ains / 2);
    spec.topo.exits.clear();
    for (NodeId id = static_cast<NodeId>(entrances + 1); id <= o_.ains; ++id)
      spec.topo.exits.insert(id);
    for (size_t i = 0; i < o_.flows; ++i)
      spec.customers.push_back({static_cast<NodeId>(1 + i % entrances), {}});
    // The row's knobs: the customers' tunnel parameters first (the world
    // builds the customers after the engines), then every AIN's.
    core::EngineConfig probe;
    std::string missing = apply_defences(d_, o_.defence, probe, spec.customer_tunnel);
    spec.tweak = [&](core::EngineConfig& c) {
      c.route_length = 3;
      c.pending_queue = 16;
      sim::CustomerTunnelParams unused;
      std::string m = apply_defences(d_, o_.defence, c, unused);
      if (!m.empty()) missing = m;
    };
    if (!missing.empty()) {
      res_.missing = missing;
      return false;
    }
    std::string why;
    w_ = sim::SimWorld::make(spec, &why);
    if (!missing.empty() || !w_) {
      res_.missing = missing.empty() ? "world: " + why : missing;
      return false;
    }
    sched_ = std::make_unique<Scheduler>(w_->net);
    sched_->attach(IpAddress::v4(0xC00002FAu));  // 192.0.2.250: nothing sends there

    links();
    observation();
    flows();
    return true;
  }

  void links() {
    sim::SimNetwork& net = w_->net;
    for (size_t i = 0; i < w_->customer_count(); ++i) {
      sim::LinkConfig l;
      l.rate_bps = static_cast<uint64_t>(draw_.uniform(20e6, 50e6));
      l.latency = ms(draw_.uniform(5, 30));
      l.queue_limit = Duration::ms(50);
      net.set_link(customer(i).address(), customer(i).ain(), l);
      net.set_link(customer(i).ain(), customer(i).address(), l);
    }
    for (const auto& [a, b] : w_->keys.topo.edges) {
      sim::LinkConfig l;
      l.rate_bps = 1'000'000'000;
      l.latency = ms(draw_.uniform(5, 40));
      l.queue_limit = Duration::ms(10);
      net.set_link(w_->keys.ain(a).address, w_->keys.ain(b).address, l);
      net.set_link(w_->keys.ain(b).address, w_->keys.ain(a).address, l);
    }
  }

  void observation() {
    Observation& ob = res_.obs;
    ob.bins = static_cast<size_t>(o_.duration.ns / ob.bin.ns) + 1;
    ob.entrance.resize(o_.flows);
    for (auto& s : ob.entrance) s.resize(ob.bins);
    for (size_t i = 0; i < w_->customer_count(); ++i) customer_index_[customer(i).address()] = i;
    for (NodeId id = 1; id <= w_->size(); ++id) {
      sim::SimAin& a = w_->ain(id);
      a.keep_local = false;
      a.on_local = [this, id](ByteSpan d) { exit_delivered(id, d); };
    }
  }

  void flows() {
    const Time end = Time{o_.duration.ns};
    const Time spread = Time{std::max<int64_t>(
        Duration::s(3).ns,
        static_cast<int64_t>(o_.start_fraction * static_cast<double>(o_.duration.ns)))};
    std::vector<FlowScript> scripts = make_scripts(o_.flows, spread, end, draw_);
    flows_.resize(o_.flows);
    for (size_t i = 0; i < o_.flows; ++i) {
      FlowState& f = flows_[i];
      f.script = std::move(scripts[i]);
      if (f.script.start < Time::from_s(2)) f.script.start = Time::from_s(2);  // PVTs up first
      res_.kinds[static_cast<int>(f.script.kind)]++;
      f.customer = i;
      f.inner = customer(i).address();  // anonymity option 2: the real address inside
      f.server = IpAddress::v4(0xC6120000u | static_cast<uint32_t>(i + 1));  // 198.18.0.0/15
      f.sport = static_cast<uint16_t>(40000 + i);
      f.inet_delay = ms(draw_.uniform(2, 20));
      uint64_t rq = 0, rs = 0;
      for (const Exchange& x : f.script.exchanges) {
        f.req_end.push_back(rq += x.request);
        f.resp_end.push_back(rs += x.response);
      }
      f.req_at.resize(f.script.exchanges.size());
      f.client =
          std::make_unique<Conn>(*sched_, static_cast<uint32_t>(i),
                                 [this, i](Time t, const Segment& s) { client_send(i, t, s); });
      f.server_conn =
          std::make_unique<Conn>(*sched_, static_cast<uint32_t>(i),
                                 [this, i](Time t, const Segment& s) { server_send(i, t, s); });
      f.client->on_established = [this, i](Time t) { next_exchange(i, t); };
      f.client->on_receive = [this, i](Time t, uint64_t n) { client_received(i, t, n); };
      f.server_conn->on_receive = [this, i](Time t, uint64_t n) { server_received(i, t, n); };
      taps_.push_back(std::make_unique<CustomerTap>(
          customer(i), [this, i](Time t, ByteSpan d) { client_delivered(i, t, d); }));
      w_->net.attach(customer(i).address(), taps_.back().get());
      sched_->at(f.script.start, [this, i](Time t) { flows_[i].client->connect(t); });
    }
    sched_->kick();
  }

  // ---- the application on top of the transport

  void next_exchange(size_t i, Time now) {
    FlowState& f = flows_[i];
    if (f.done >= f.script.exchanges.size()) return;
    const Exchange& x = f.script.exchanges[f.done];
    const Time at = std::max(now + x.gap, x.not_before);
    const size_t k = f.done;
    sched_->at(at, [this, i, k](Time t) {
      flows_[i].req_at[k] = t;
      flows_[i].client->write(t, flows_[i].script.exchanges[k].request);
    });
  }
  void client_received(size_t i, Time now, uint64_t n) {
    FlowState& f = flows_[i];
    while (f.done < f.resp_end.size() && n >= f.resp_end[f.done]) {
      if (f.script.kind == AppKind::web || f.script.kind == AppKind::ssh ||
          f.script.kind == AppKind::keepalive) {
        res_.response_ns.push_back((now - f.req_at[f.done]).ns);
      }
      ++f.done;
      next_exchange(i, now);
    }
  }
  void server_received(size_t i, Time now, uint64_t n) {
    FlowState& f = flows_[i];
    while (f.served < f.req_end.size() && n >= f.req_end[f.served]) {
      f.server_conn->write(now, f.script.exchanges[f.served].response);
      ++f.served;
    }
  }

  // ---- datagrams in and out of ainet

  void client_send(size_t i, Time now, const Segment& s) {
    FlowState& f = flows_[i];
    f.up_sent.push_back(now);
    ++res_.datagrams_sent;
    Bytes d = segment_datagram(sim::Flow{f.inner, f.server, f.sport, f.script.server_port}, s);
    sim::SimCustomer& c = customer(f.customer);
    (void)c.send_datagram(d);  // a full shaping queue drops it: the transport recovers
    w_->net.reschedule(&c);
  }
  void client_delivered(size_t i, Time now, ByteSpan d) {
    Udp u;
    Segment s;
    if (!parse_udp(d, &u) || !decode_segment(u.payload, &s) || s.flow != i) return;
    FlowState& f = flows_[i];
    if (s.pkt < f.down_sent.size()) res_.delay_ns.push_back((now - f.down_sent[s.pkt]).ns);
    ++res_.datagrams_delivered;
    f.client->on_segment(now, s);
    sched_->kick();
  }
  // Called from inside the exit's engine: only record and schedule.
  void exit_delivered(NodeId exit, ByteSpan d) {
    const Time now = w_->now();
    Udp u;
    Segment s;
    if (!parse_udp(d, &u) || !decode_segment(u.payload, &s) || s.flow >= flows_.size()) return;
    FlowState& f = flows_[s.flow];
    auto key = std::make_tuple(exit, u.src, u.sport, u.dst, u.dport);
    auto it = exit_index_.find(key);
    if (it == exit_index_.end()) {
      it = exit_index_.emplace(key, res_.obs.exit.size()).first;
      res_.obs.exit.emplace_back();
      res_.obs.exit.back().resize(res_.obs.bins);
      res_.obs.exit_truth.push_back(s.flow);
    }
    res_.obs.exit[it->second].add(Series::up, now, res_.obs.bin, d.size());
    f.exit = exit;
    f.exit_src = u.src;
    f.exit_flow = it->second;
    if (s.pkt < f.up_sent.size()) res_.delay_ns.push_back((now - f.up_sent[s.pkt]).ns);
    ++res_.datagrams_delivered;
    const size_t i = s.flow;
    sched_->at(now + f.inet_delay,
               [this, i, s](Time t) { flows_[i].server_conn->on_segment(t, s); });
    sched_->kick();
  }
  void server_send(size_t i, Time now, const Segment& s) {
    FlowState& f = flows_[i];
    if (f.exit == 0) return;
    Bytes d = segment_datagram(sim::Flow{f.server, f.exit_src, f.script.server_port, f.sport}, s);
    ++res_.datagrams_sent;
    const NodeId exit = f.exit;
    const size_t xf = f.exit_flow;
    const uint32_t pkt = s.pkt;
    sched_->at(now + f.inet_delay, [this, i, exit, xf, pkt, d = std::move(d)](Time t) {
      FlowState& g = flows_[i];
      if (g.down_sent.size() <= pkt) g.down_sent.resize(pkt + 1, Time::max());
      g.down_sent[pkt] = t;
      res_.obs.exit[xf].add(Series::down, t, res_.obs.bin, d.size());
      w_->ain(exit).local_reply(d);
    });
  }

  // ---- the attacker's customer-side view and the byte counts

  void collect_records() {
    for (const sim::PacketRecord& r : w_->net.records()) {
      if (r.injected || r.copies_delivered == 0) continue;  // never on the wire
      auto from = customer_index_.find(r.from);
      auto to = customer_index_.find(r.to);
      if (from != customer_index_.end()) {
        res_.obs.entrance[from->second].add(Series::up, r.departed, res_.obs.bin, r.length);
        res_.customer_wire_bytes += r.length;
      } else if (to != customer_index_.end()) {
        res_.obs.entrance[to->second].add(Series::down, r.departed, res_.obs.bin, r.length);
        res_.customer_wire_bytes += r.length;
      } else {
        res_.inter_ain_wire_bytes += r.length;
      }
    }
    w_->net.clear_records();
  }

  sim::SimCustomer& customer(size_t i) { return w_->customer(i); }

  void finish() {
    for (size_t i = 0; i < w_->customer_count(); ++i) {
      res_.customer_dummies_sent += customer(i).shaper().dummy_sent;
      res_.customer_shaping_drops += customer(i).shaper().queue_drops;
      res_.customer_dummies_received += customer(i).dummies_received;
    }
    for (NodeId id = 1; id <= w_->size(); ++id) {
      const core::EngineStats st = w_->ain(id).engine().stats();
      res_.ain_dummy_cells += st.dummy_cells;
      res_.ain_dummy_cells_sent += st.dummy_cells_sent;
      res_.ain_shaping_drops += st.queue_drops;
      res_.cover_ants_built += st.cover_ants_built;
      for (const auto& a : w_->ain(id).engine().ants())
        res_.ants_at_end += a.role == core::AntInfo::Role::entrance;
    }
    for (const auto& [link, c] : w_->net.all_counters()) res_.link_queue_drops += c.queue_dropped;
    for (const FlowState& f : flows_) {
      res_.app_bytes += f.client->received() + f.server_conn->received();
      res_.retransmits += f.client->stats().retransmits + f.server_conn->stats().retransmits;
      res_.timeouts += f.client->stats().timeouts + f.server_conn->stats().timeouts;
      res_.flows_answered += f.client->received() > 0;
      if (!o_.verbose) continue;
      char line[256];
      std::snprintf(line, sizeof line,
                    "flow %2zu %-9s start %5.1f s  exit AIN %u  exchanges %zu/%zu  up %8.1f KB  "
                    "down %9.1f KB  "
                    "%4llu rtx %3llu rto %3llu rec",
                    f.customer, kind_name(f.script.kind),
                    static_cast<double>(f.script.start.ns) * 1e-9, f.exit, f.done,
                    f.script.exchanges.size(), static_cast<double>(f.server_conn->received()) / 1e3,
                    static_cast<double>(f.client->received()) / 1e3,
                    static_cast<unsigned long long>(f.client->stats().retransmits +
                                                    f.server_conn->stats().retransmits),
                    static_cast<unsigned long long>(f.client->stats().timeouts +
                                                    f.server_conn->stats().timeouts),
                    static_cast<unsigned long long>(f.client->stats().recoveries +
                                                    f.server_conn->stats().recoveries));
      res_.flow_lines.emplace_back(line);
    }
  }

  BenchOptions o_;
  Defence d_;
  Draw draw_;
  std::unique_ptr<sim::SimWorld> w_;
  std::unique_ptr<Scheduler> sched_;
  std::vector<std::unique_ptr<CustomerTap>> taps_;
  std::vector<FlowState> flows_;
  std::map<IpAddress, size_t> customer_index_;
  std::map<std::tuple<NodeId, IpAddress, uint16_t, IpAddress, uint16_t>, size_t> exit_index_;
  RunResult res_;
};

}  // namespace

RunResult run_bench(const BenchOptions& o, Defence d) {
  return Bench(o, d).run();
}

}  // namespace ainet::corr
