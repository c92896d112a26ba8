// The in-memory network of the simulation: endpoints (AINs, customers) by
// address, a virtual clock, per-link latency and seeded impairments (loss,
// duplication, reordering), and a record of every packet on every link for
// the property checks. Everything random comes from one DeterministicRng, so a
// run is a pure function of its seed.
//
// Header-only on purpose: tests/CMakeLists.txt builds sim_tests from
// tests/sim/*_test.cc only, and tools/sim_scale includes the same harness.
#pragma once
#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <unordered_map>
#include <utility>
#include <vector>

#include "crypto/rng.h"
#include "util/bytes.h"
#include "util/time.h"
#include "wire/ip_address.h"

namespace ainet::sim {

using wire::IpAddress;

// What a packet on a link is, as far as an observer holding the
// configuration (but no session keys) can tell: the harness knows every
// configured SPI (PVTs, customer tunnels), so any other SPI is a TVT.
enum class PacketClass : uint8_t {
  signaling,  // PVT ESP(+AH): CREATE, CREATED, DESTROY, KEEPALIVE
  data,       // TVT: AH (ip carrier) or ESP-NULL (udp carrier) onion cell
  customer,   // customer ESP+AH tunnel
  other,      // unparsable / injected garbage
};

// A node of the network: an AIN or a customer host.
class Endpoint {
 public:
  virtual ~Endpoint() = default;
  virtual void receive(Time now, const IpAddress& src, ByteSpan packet) = 0;
  // Earliest time this endpoint wants on_timer; Time::max() for never.
  virtual Time next_deadline() const { return Time::max(); }
  virtual void on_timer(Time /*now*/) {}
};

// Per-direction impairments of one link. Probabilities are independent per
// packet; a reordered packet is held back by `reorder_delay` extra.
struct Impairments {
  double loss = 0;
  double duplicate = 0;
  double reorder = 0;
  Duration reorder_delay = Duration::ms(15);
};

struct LinkConfig {
  Duration latency = Duration::ms(5);
  Impairments impairments;
  // Capacity of this direction in bits per second; 0 = unlimited (the packet
  // arrives `latency` after it was sent). With a rate, packets are
  // serialised one after another (FIFO) and a packet that would wait more
  // than `queue_limit` behind earlier ones is dropped at the tail, as a
  // router's drop-tail queue does.
  uint64_t rate_bps = 0;
  Duration queue_limit = Duration::ms(50);
};

// One packet handed to the network (one record per send, not per copy).
struct PacketRecord {
  Time sent{};
  IpAddress from, to;
  PacketClass cls = PacketClass::other;
  uint32_t spi = 0;            // first SPI seen (AH for ip carrier), 0 if none
  size_t length = 0;
  uint32_t copies_delivered = 0;  // 0 lost/blackholed, 2 duplicated
  // When its last bit left the sender (after queueing and serialisation on
  // a rate-limited link; == sent otherwise). What a tap on the wire sees.
  Time departed{};
  bool injected = false;       // put on the wire by the test (tamper/replay/garbage)
  Bytes bytes;                 // only when SimNetwork::record_bytes is on
};

struct LinkCounters {
  uint64_t sent[4] = {};       // by PacketClass, packets handed to the link
  uint64_t delivered[4] = {};  // copies that reached the far end (incl. duplicates)
  uint64_t lost[4] = {};        // by PacketClass
  uint64_t duplicated[4] = {};  // by PacketClass: extra copies made by the link
  uint64_t reordered = 0, blackholed = 0;
  uint64_t queue_dropped = 0;  // tail drops of a rate-limited link (not in lost[])
  uint64_t total_lost() const { return lost[0] + lost[1] + lost[2] + lost[3]; }
  uint64_t total_duplicated() const {
    return duplicated[0] + duplicated[1] + duplicated[2] + duplicated[3];
  }
};

// Classifies a packet handed to the network: returns class and SPI.
using Classifier = std::function<std::pair<PacketClass, uint32_t>(ByteSpan)>;
// Sees (and may change) each packet before impairments; for adversary tests.
using Tap = std::function<void(const PacketRecord& rec, Bytes& packet)>;

class SimNetwork {
 public:
  explicit SimNetwork(uint64_t seed) : rng_(seed) {}
  SimNetwork(const SimNetwork&) = delete;
  SimNetwork& operator=(const SimNetwork&) = delete;

  Time now() const { return now_; }
  crypto::Rng& rng() { return rng_; }

  void attach(const IpAddress& addr, Endpoint* ep) {
    endpoints_[addr] = ep;
    timers_[ep] = Time::max();
    reschedule(ep);
  }
  void set_classifier(Classifier c) { classifier_ = std::move(c); }
  void set_tap(Tap t) { tap_ = std::move(t); }
  void set_default_link(const LinkConfig& c) { default_link_ = c; }
  // Configures one direction from -> to.
  void set_link(const IpAddress& from, const IpAddress& to, const LinkConfig& c) {
    links_[{from, to}] = c;
  }
  // Both directions of every link touching addr drop everything (a crash, or
  // a node cut off). Timers of the endpoint keep running unless it is also
  // stopped by the caller: a crashed AIN is simply never called again.
  void set_down(const IpAddress& addr, bool down) {
    if (down) down_.insert(addr); else down_.erase(addr);
  }
  bool is_down(const IpAddress& addr) const { return down_.count(addr) != 0; }

  // Keep the bytes of every packet (for unlinkability and length checks).
  bool record_bytes = false;
  // Keep a PacketRecord per packet at all (off for scale runs).
  bool record_packets = true;

  // A packet from `from` to `to` sent at now(). Impairments of the link apply.
  void send(const IpAddress& from, const IpAddress& to, ByteSpan packet, bool injected = false) {
    Bytes buf(packet.begin(), packet.end());
    PacketRecord rec;
    rec.sent = now_;
    rec.from = from;
    rec.to = to;
    rec.length = buf.size();
    rec.injected = injected;
    if (classifier_) std::tie(rec.cls, rec.spi) = classifier_(buf);
    if (tap_ && !injected) {
      tap_(rec, buf);
      rec.length = buf.size();
    }
    LinkCounters& lc = counters_[{from, to}];
    lc.sent[static_cast<size_t>(rec.cls)]++;
    const LinkConfig& cfg = link(from, to);
    uint32_t copies = 0;
    if (is_down(from) || is_down(to) || endpoints_.count(to) == 0) {
      lc.blackholed++;
    } else if (chance(cfg.impairments.loss)) {
      lc.lost[static_cast<size_t>(rec.cls)]++;
    } else if (cfg.rate_bps != 0 && !serialise(from, to, cfg, buf.size(), &rec.departed)) {
      lc.queue_dropped++;
    } else {
      if (cfg.rate_bps == 0) rec.departed = now_;
      copies = chance(cfg.impairments.duplicate) ? 2 : 1;
      if (copies == 2) lc.duplicated[static_cast<size_t>(rec.cls)]++;
      for (uint32_t c = 0; c < copies; ++c) {
        Time at = rec.departed + cfg.latency;
        if (chance(cfg.impairments.reorder)) {
          at = at + cfg.impairments.reorder_delay;
          lc.reordered++;
        }
        push({at, seq_++, Event::Kind::packet, rec.cls, from, to, buf, nullptr});
      }
    }
    rec.copies_delivered = copies;
    if (record_bytes) rec.bytes = std::move(buf);
    if (record_packets) records_.push_back(std::move(rec));
  }

  // Runs every event due up to and including `until`, then sets now() = until.
  void run_until(Time until) {
    while (!queue_.empty() && queue_.top().at <= until) {
      Event ev = queue_.top();
      queue_.pop();
      now_ = ev.at;
      if (ev.kind == Event::Kind::packet) {
        deliver(ev);
      } else {
        auto it = timers_.find(ev.ep);
        if (it == timers_.end() || it->second != ev.at) continue;  // stale
        it->second = Time::max();
        ev.ep->on_timer(now_);
        // An endpoint still due right after its timers ran would spin at one
        // instant forever; make it wait one tick instead (a test then fails
        // on its assertions rather than hanging).
        reschedule(ev.ep, Duration{1});
      }
    }
    if (until > now_) now_ = until;
  }
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs until no packet is in flight (timers may still be pending), at most `limit`.
  void run_until_quiet(Duration limit) {
    const Time stop = now_ + limit;
    while (packets_in_flight_ > 0 && !queue_.empty() && queue_.top().at <= stop) {
      run_until(queue_.top().at);
    }
  }

  // Call after driving an endpoint from outside the network (a test calling
  // into an engine directly), so its new timer deadline is honoured.
  void reschedule(Endpoint* ep, Duration min_delay = {}) {
    const Time d = std::max(ep->next_deadline(), now_ + min_delay);
    if (ep->next_deadline() == Time::max()) return;
    Time& cur = timers_[ep];
    if (d < cur) {
      cur = d;
      push({d, seq_++, Event::Kind::timer, PacketClass::other, {}, {}, {}, ep});
    }
  }

  const std::vector<PacketRecord>& records() const { return records_; }
  void clear_records() { records_.clear(); }
  const LinkCounters& counters(const IpAddress& from, const IpAddress& to) {
    return counters_[{from, to}];
  }
  const std::map<std::pair<IpAddress, IpAddress>, LinkCounters>& all_counters() const {
    return counters_;
  }
  size_t packets_in_flight() const { return packets_in_flight_; }

 private:
  struct Event {
    enum class Kind : uint8_t { packet, timer };
    Time at{};
    uint64_t seq = 0;  // FIFO among equal times: keeps runs deterministic
    Kind kind = Kind::packet;
    PacketClass cls = PacketClass::other;
    IpAddress from, to;
    Bytes bytes;
    Endpoint* ep = nullptr;
  };
  struct Later {
    bool operator()(const Event& a, const Event& b) const {
      return a.at != b.at ? a.at > b.at : a.seq > b.seq;
    }
  };

  void push(Event ev) {
    if (ev.kind == Event::Kind::packet) packets_in_flight_++;
    queue_.push(std::move(ev));
  }

  void deliver(const Event& ev) {
    packets_in_flight_--;
    // A node that went down while the packet was in flight never gets it.
    if (is_down(ev.from) || is_down(ev.to)) {
      counters_[{ev.from, ev.to}].blackholed++;
      return;
    }
    auto it = endpoints_.find(ev.to);
    if (it == endpoints_.end()) return;
    counters_[{ev.from, ev.to}].delivered[static_cast<size_t>(ev.cls)]++;
    it->second->receive(now_, ev.from, ev.bytes);
    reschedule(it->second);
  }

  const LinkConfig& link(const IpAddress& from, const IpAddress& to) const {
    auto it = links_.find({from, to});
    return it == links_.end() ? default_link_ : it->second;
  }

  // Rate-limited link: the packet's last bit leaves when the link has sent
  // everything queued before it plus this packet. False (tail drop) when it
  // would wait longer than the queue limit.
  bool serialise(const IpAddress& from, const IpAddress& to, const LinkConfig& cfg, size_t bytes,
                 Time* departed) {
    Time& busy = busy_until_[{from, to}];
    const Time start = std::max(busy, now_);
    if (start - now_ > cfg.queue_limit) return false;
    const int64_t tx_ns =
        static_cast<int64_t>(static_cast<uint64_t>(bytes) * 8 * 1000000000ULL / cfg.rate_bps);
    busy = start + Duration{tx_ns};
    *departed = busy;
    return true;
  }

  // Bernoulli(p) from the seeded generator; p <= 0 draws nothing, so adding
  // an impairment to one link does not shift the randomness of the others.
  bool chance(double p) {
    if (p <= 0) return false;
    return static_cast<double>(rng_.uniform(1u << 30)) < p * static_cast<double>(1u << 30);
  }

  crypto::DeterministicRng rng_;
  Time now_{};
  uint64_t seq_ = 0;
  size_t packets_in_flight_ = 0;
  std::priority_queue<Event, std::vector<Event>, Later> queue_;
  std::map<IpAddress, Endpoint*> endpoints_;
  std::map<Endpoint*, Time> timers_;
  std::map<std::pair<IpAddress, IpAddress>, LinkConfig> links_;
  std::map<std::pair<IpAddress, IpAddress>, LinkCounters> counters_;
  std::map<std::pair<IpAddress, IpAddress>, Time> busy_until_;  // rate-limited links
  std::set<IpAddress> down_;
  LinkConfig default_link_;
  Classifier classifier_;
  Tap tap_;
  std::vector<PacketRecord> records_;
};

}  // namespace ainet::sim
