// CPU cost of IKEv2 in the sans-I/O engine (src/ike): one complete
// IKE_SA_INIT + IKE_AUTH handshake (initiator and responder, PSK or
// Ed25519, first child SA), a child SA rekey with PFS, and the responder's
// stateless COOKIE answer under a flood. Messages are handed from one engine
// to the other in memory, so this is the protocol and crypto CPU per
// handshake of both ends together, without sockets.
#include <benchmark/benchmark.h>

#include <deque>

#include "crypto/kex.h"
#include "crypto/rng.h"
#include "ike/ike_engine.h"
#include "ike/message.h"
#include "ike/proposal.h"

namespace {

using namespace ainet;
using namespace ainet::ike;

const wire::IpAddress kA = wire::IpAddress::v4(0xc0000201), kB = wire::IpAddress::v4(0xc0000202);

struct Msg {
  UdpEndpoint from, to;
  Bytes data;
};

class Queue : public Effects {
 public:
  std::deque<Msg>* q = nullptr;
  uint64_t children = 0;
  void send_datagram(const UdpEndpoint& l, const UdpEndpoint& r, ByteSpan p) override {
    q->push_back({l, r, Bytes(p.begin(), p.end())});
  }
  void child_sa_up(const ChildSaUp&) override { ++children; }
};

PeerConfig peer(const char* name, const wire::IpAddress& l, const wire::IpAddress& r,
                const char* lid, const char* rid, bool ed25519) {
  PeerConfig p;
  p.name = name;
  p.local = {l, 500};
  p.remote = {r, 500};
  p.local_id = Identity::fqdn(lid);
  p.remote_id = Identity::fqdn(rid);
  p.local_auth.psk = p.remote_auth.psk = {1, 2, 3, 4, 5, 6, 7, 8};
  if (ed25519) {
    // Both ends use the same key pair here (same seed): the cost is what matters.
    crypto::DeterministicRng keys(77);
    auto kp = crypto::ed25519_generate(keys);
    p.local_auth = {AuthKind::ed25519, {}, kp.priv};
    p.remote_auth = {AuthKind::ed25519, {}, kp.pub};
  }
  return p;
}

struct Pair {
  crypto::DeterministicRng ra{1}, rb{2};
  std::deque<Msg> q;
  Queue qa, qb;
  std::unique_ptr<IkeEngine> a, b;
  Time now = Time::from_s(1);
  explicit Pair(bool ed25519) {
    IkeConfig ca, cb;
    ca.peers.push_back(peer("to-b", kA, kB, "a.example", "b.example", ed25519));
    cb.peers.push_back(peer("to-a", kB, kA, "b.example", "a.example", ed25519));
    ca.max_ike_sas = cb.max_ike_sas = 1 << 20;
    ca.max_half_open = cb.max_half_open = 1 << 20;
    cb.cookie_threshold = 1 << 20;
    a = std::make_unique<IkeEngine>(ca, ra);
    b = std::make_unique<IkeEngine>(cb, rb);
    qa.q = qb.q = &q;
  }
  void pump() {
    while (!q.empty()) {
      Msg m = std::move(q.front());
      q.pop_front();
      if (m.to.addr == kA)
        a->handle_datagram(now, m.to, m.from, m.data, qa);
      else
        b->handle_datagram(now, m.to, m.from, m.data, qb);
    }
  }
};

void BM_Handshake(benchmark::State& st) {
  Pair p(st.range(0) != 0);
  for (auto _ : st) {
    auto h = p.a->initiate(p.now, "to-b", p.qa);
    p.pump();
    if (!h) st.SkipWithError("initiate");
    // Delete it again so the tables stay small (the Delete is not timed).
    st.PauseTiming();
    (void)p.a->terminate_ike(p.now, *h, p.qa);
    p.pump();
    st.ResumeTiming();
  }
  if (p.qa.children != static_cast<uint64_t>(st.iterations())) st.SkipWithError("no child SA");
  st.SetLabel(st.range(0) ? "ed25519" : "psk");
}
BENCHMARK(BM_Handshake)->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond);

void BM_ChildRekeyPfs(benchmark::State& st) {
  Pair p(false);
  auto h = p.a->initiate(p.now, "to-b", p.qa);
  p.pump();
  for (auto _ : st) {
    const uint32_t spi = p.a->ike_sa(*h)->children.at(0).spi_in;
    (void)p.a->rekey_child(p.now, spi, p.qa);
    p.pump();  // request, response, Delete of the old child and its answer
  }
}
BENCHMARK(BM_ChildRekeyPfs)->Unit(benchmark::kMicrosecond);

void BM_CookieAnswer(benchmark::State& st) {
  crypto::DeterministicRng rng(9);
  IkeConfig cb;
  cb.cookie_threshold = 0;  // every IKE_SA_INIT must bring a cookie
  IkeEngine b(cb, rng);
  std::deque<Msg> q;
  Queue qb;
  qb.q = &q;
  IkeHeader h;
  h.spi_i = 42;
  h.exchange = static_cast<uint8_t>(ExchangeType::ike_sa_init);
  h.flags = kFlagInitiator;
  Bytes m;
  write_ike_header(m, h);
  PayloadChainWriter w(m, 16);
  Bytes sa, ke;
  write_sa(sa, {make_ike_proposal(ProposalPolicy{}, 0, 0)});
  w.add(PayloadType::sa, sa);
  write_ke(ke, kDhCurve25519, Bytes(32, 9));
  w.add(PayloadType::ke, ke);
  w.add(PayloadType::nonce, Bytes(32, 7));
  (void)finish_message(m);
  for (auto _ : st) {
    b.handle_datagram(Time::from_s(1), {kB, 500}, {kA, 500}, m, qb);
    q.clear();
  }
  if (b.counters().cookies_sent != static_cast<uint64_t>(st.iterations()))
    st.SkipWithError("no cookie");
}
BENCHMARK(BM_CookieAnswer);

}  // namespace

BENCHMARK_MAIN();
