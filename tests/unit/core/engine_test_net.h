// A hand-wired line of AINs for the engine unit tests: AIN 1 (entrance, with
// one customer) - AIN 2 - ... - AIN n (exit, local delivery with a pool).
// Packets loop through a FIFO between the engines; there is no loss unless a
// test removes or alters packets itself. The big randomized scenarios live in
// tests/sim.
#pragma once
#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <functional>
#include <memory>
#include <vector>

#include "core/directory.h"
#include "core/engine.h"
#include "core/tunnel_bundle.h"
#include "crypto/kex.h"
#include "crypto/rng.h"
#include "wire/checksum.h"
#include "wire/ip_packet.h"

namespace ainet::core::testnet {

inline IpAddress addr(const char* s) { return IpAddress::parse(s).value(); }

inline Bytes fill(crypto::Rng& rng, size_t n) {
  Bytes b(n);
  rng.fill(b);
  return b;
}

// A UDP datagram with valid checksums (IPv4 or IPv6).
inline Bytes udp_datagram(const IpAddress& src, const IpAddress& dst, ByteSpan payload) {
  const bool v6 = src.is_v6();
  const size_t ih = v6 ? 40 : 20;
  Bytes p(ih + 8 + payload.size(), 0);
  const uint16_t ulen = static_cast<uint16_t>(8 + payload.size());
  if (v6) {
    p[0] = 0x60;
    store_be16(&p[4], ulen);
    p[6] = 17;
    p[7] = 64;
    std::copy(src.bytes().begin(), src.bytes().end(), p.begin() + 8);
    std::copy(dst.bytes().begin(), dst.bytes().end(), p.begin() + 24);
  } else {
    p[0] = 0x45;
    store_be16(&p[2], static_cast<uint16_t>(p.size()));
    p[8] = 64;
    p[9] = 17;
    std::copy(src.bytes().begin(), src.bytes().end(), p.begin() + 12);
    std::copy(dst.bytes().begin(), dst.bytes().end(), p.begin() + 16);
    store_be16(&p[10], wire::internet_checksum(ByteSpan(p).first(20)));
  }
  store_be16(&p[ih], 4000);
  store_be16(&p[ih + 2], 53);
  store_be16(&p[ih + 4], ulen);
  std::copy(payload.begin(), payload.end(), p.begin() + static_cast<long>(ih) + 8);
  wire::InternetChecksum c;
  c.add(src.bytes());
  c.add(dst.bytes());
  c.add_u16(17);
  c.add_u16(ulen);
  c.add(ByteSpan(p).subspan(ih));
  uint16_t ck = c.finish();
  store_be16(&p[ih + 6], ck == 0 ? 0xffff : ck);
  return p;
}

struct Wire {
  IpAddress from, to;
  Bytes bytes;
};

class Net;

// Effects of one engine: sends go into the shared FIFO.
class NodeEffects : public Effects {
 public:
  NodeEffects(Net& net, IpAddress self) : net_(net), self_(self) {}
  void send_packet(const IpAddress& dst, ByteSpan packet) override;
  void deliver_local(ByteSpan datagram) override { local.emplace_back(datagram.begin(), datagram.end()); }
  void on_event(const EngineEvent& e) override { events.push_back(e); }
  void peer_authenticated(const IpAddress& src) override { authenticated.push_back(src); }
  std::vector<Bytes> local;
  std::vector<EngineEvent> events;
  std::vector<IpAddress> authenticated;  // sources of packets an SA accepted

 private:
  Net& net_;
  IpAddress self_;
};

// The customer host: its side of the ESP+AH tunnel to AIN 1.
struct CustomerHost {
  IpAddress address;
  NodeId ain = 1;
  TunnelBundle bundle;
  std::vector<Bytes> received;  // inner datagrams (decrypted)
};

class Net {
 public:
  // n AINs in a line; route_length n.
  explicit Net(size_t n, Carrier carrier = Carrier::ip, uint64_t seed = 7)
      : Net(line(n), carrier, seed) {}

  struct Topology {
    size_t n = 3;
    std::vector<std::pair<NodeId, NodeId>> edges;
    std::vector<NodeId> exits;
    size_t route_length = 3;
    // Customers: (AIN, customer id, tunnel address, serves prefixes).
    struct Cust {
      NodeId ain;
      uint32_t id;
      const char* address;
      std::vector<const char*> serves;
    };
    std::vector<Cust> customers{{1, 100, "10.0.1.100", {}}};
    std::function<void(std::vector<EngineConfig>&)> tweak;
  };
  static Topology line(size_t n) {
    Topology t;
    t.n = n;
    for (size_t i = 1; i < n; ++i) t.edges.emplace_back(static_cast<NodeId>(i), static_cast<NodeId>(i + 1));
    t.exits = {static_cast<NodeId>(n)};
    t.route_length = n;
    return t;
  }

  Net(const Topology& topo, Carrier carrier = Carrier::ip, uint64_t seed = 7) : rng_(seed), carrier_(carrier) {
    const size_t n = topo.n;
    std::vector<AinEntry> entries;
    std::vector<crypto::X25519KeyPair> onion;
    for (size_t i = 0; i < n; ++i) {
      onion.push_back(crypto::x25519_generate(rng_));
      AinEntry e;
      e.id = static_cast<NodeId>(i + 1);
      e.name = "ain" + std::to_string(i + 1);
      e.address = ain_addr(i + 1);
      e.onion_key = onion.back().pub;
      for (auto [a, b] : topo.edges) {
        if (a == e.id) e.neighbours.push_back(b);
        if (b == e.id) e.neighbours.push_back(a);
      }
      if (std::find(topo.exits.begin(), topo.exits.end(), e.id) != topo.exits.end())
        e.exit_policy = {IpPrefix::parse("0.0.0.0/0").value(), IpPrefix::parse("::/0").value()};
      entries.push_back(e);
    }
    auto load = make_directory(1, 4102444800, entries);
    EXPECT_TRUE(load.ok()) << load.message;
    dir_ = std::make_shared<const Directory>(std::move(load.directory));

    cfgs.assign(n, EngineConfig{});
    for (size_t i = 0; i < n; ++i) {
      cfgs[i].self = static_cast<NodeId>(i + 1);
      cfgs[i].onion_private = onion[i].priv;
      cfgs[i].carrier = carrier;
      cfgs[i].route_length = topo.route_length;
      cfgs[i].inactivity_timeout = Duration::s(60);
      cfgs[i].exit_pool = {IpPrefix::parse("10.77.0.0/24").value(), IpPrefix::parse("fd77::/64").value()};
    }
    uint32_t spi = 0x1000;
    for (auto [a, b] : topo.edges) {
      BundleKeys ab = keys(spi), ba = keys(spi + 2);
      spi += 4;
      Bytes secret = fill(rng_, 32);
      cfgs[a - 1].pvts.push_back(PvtConfig{b, ab, ba, secret});
      cfgs[b - 1].pvts.push_back(PvtConfig{a, ba, ab, secret});
    }
    uint32_t cspi = 0x2000;
    for (const auto& c : topo.customers) {
      CustomerConfig cc;
      cc.id = c.id;
      cc.name = "c" + std::to_string(c.id);
      cc.tunnel_address = addr(c.address);
      cc.out = keys(cspi);
      cc.in = keys(cspi + 2);
      cspi += 4;
      for (const char* p : c.serves) cc.serves.push_back(IpPrefix::parse(p).value());
      cfgs[c.ain - 1].customers.push_back(cc);
      auto host = std::make_unique<CustomerHost>();
      host->address = cc.tunnel_address;
      host->ain = c.ain;
      host->bundle = TunnelBundle::create(carrier, cc.in, cc.out, cc.tunnel_address, ain_addr(c.ain), 1024).value();
      hosts.push_back(std::move(host));
    }
    if (topo.tweak) topo.tweak(cfgs);
    for (size_t i = 0; i < n; ++i) {
      fx.push_back(std::make_unique<NodeEffects>(*this, ain_addr(i + 1)));
      auto e = Engine::create(cfgs[i], dir_, rng_, now);
      EXPECT_TRUE(e.ok()) << to_string(e.error());
      engines.push_back(std::move(*e));
    }
  }

  static IpAddress ain_addr(size_t id) {
    return IpAddress::v4(std::array<uint8_t, 4>{10, 0, 0, static_cast<uint8_t>(id)});
  }

  BundleKeys keys(uint32_t spi) {
    BundleKeys k;
    k.esp_spi = spi;
    k.esp_key = fill(rng_, 36);
    k.ah_spi = spi + 1;
    k.ah_key = fill(rng_, 32);
    return k;
  }

  void enqueue(const IpAddress& from, const IpAddress& to, ByteSpan b) {
    wire.push_back(Wire{from, to, Bytes(b.begin(), b.end())});
    ++sent;
  }

  // A customer (default: the first, at AIN 1) sends one inner datagram or
  // control message to its AIN.
  void customer_send(ByteSpan inner, uint8_t nh, size_t host = 0) {
    Bytes out(70000);
    auto sealed = hosts[host]->bundle.seal(inner, nh, out, rng_);
    ASSERT_TRUE(sealed.ok());
    enqueue(hosts[host]->address, ain_addr(hosts[host]->ain), *sealed);
  }
  CustomerHost& host(size_t i) { return *hosts[i]; }
  crypto::Rng& rng() { return rng_; }
  std::shared_ptr<const Directory> directory() const { return dir_; }

  // Delivers queued packets until the network is quiet (bounded).
  void run() {
    for (int guard = 0; guard < 10000 && !wire.empty(); ++guard) {
      Wire w = std::move(wire.front());
      wire.pop_front();
      if (tap && !tap(w)) continue;
      bool to_host = false;
      for (auto& h : hosts) {
        if (w.to != h->address) continue;
        to_host = true;
        Bytes b = w.bytes;
        auto o = h->bundle.open(b);
        if (o.ok() && (o->next_header == 4 || o->next_header == 41))
          h->received.emplace_back(o->payload.begin(), o->payload.end());
      }
      if (to_host) continue;
      for (size_t i = 0; i < engines.size(); ++i)
        if (w.to == ain_addr(i + 1)) {
          if (carrier_ == Carrier::ip)
            engines[i]->handle_packet(now, w.bytes, *fx[i]);
          else
            engines[i]->handle_packet(now, w.from, w.bytes, *fx[i]);
        }
    }
  }

  // Moves the clock to t, running timers and the network at every deadline.
  void advance_to(Time t) {
    for (int guard = 0; guard < 100000; ++guard) {
      Time next = Time::max();
      for (auto& e : engines) next = std::min(next, e->next_deadline());
      if (next > t) break;
      now = std::max(now, next);
      for (size_t i = 0; i < engines.size(); ++i) engines[i]->handle_timers(now, *fx[i]);
      run();
    }
    now = t;
    run();
  }

  Engine& ain(size_t id) { return *engines[id - 1]; }
  NodeEffects& fx_of(size_t id) { return *fx[id - 1]; }

  Time now = Time::from_s(1000);
  std::vector<EngineConfig> cfgs;
  std::vector<std::unique_ptr<Engine>> engines;
  std::vector<std::unique_ptr<NodeEffects>> fx;
  std::vector<std::unique_ptr<CustomerHost>> hosts;
  CustomerHost& customer() { return *hosts[0]; }
  std::deque<Wire> wire;
  std::function<bool(Wire&)> tap;  // return false to drop a packet
  uint64_t sent = 0;

 private:
  crypto::DeterministicRng rng_;
  Carrier carrier_;
  std::shared_ptr<const Directory> dir_;
};

// Events of one kind an AIN reported.
inline size_t count_events(const NodeEffects& fx, EventKind k) {
  size_t n = 0;
  for (const auto& e : fx.events) n += e.kind == k;
  return n;
}
// One drop counter of an engine.
inline uint64_t drops(const Engine& e, Errc c) { return e.stats().drops[static_cast<size_t>(c)]; }

inline void NodeEffects::send_packet(const IpAddress& dst, ByteSpan packet) {
  net_.enqueue(self_, dst, packet);
}

}  // namespace ainet::core::testnet
