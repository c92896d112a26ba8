// Fuzzes the IKEv2 state machine (src/ike): an initiator and a responder
// engine exchange real messages; the input decides, message by message,
// whether each is delivered, dropped, duplicated, bit-flipped, truncated or
// replaced by raw input bytes, when time jumps forward, and which commands
// (rekey, new child, delete) are issued. Nothing may crash or trip a
// sanitizer, and the tables stay bounded; at the end, once every timer has
// run out, no half-open state may remain at the responder.
#include <deque>
#include <vector>

#include "crypto/rng.h"
#include "fuzz_check.h"
#include "ike/ike_engine.h"
#include "wire/constants.h"

using namespace ainet;
using namespace ainet::ike;

namespace {

struct Msg {
  UdpEndpoint from, to;
  Bytes data;
};

class Sink : public Effects {
 public:
  std::deque<Msg>* queue = nullptr;
  void send_datagram(const UdpEndpoint& local, const UdpEndpoint& remote,
                     ByteSpan payload) override {
    if (queue->size() < 64)
      queue->push_back({local, remote, Bytes(payload.begin(), payload.end())});
  }
};

PeerConfig peer(const char* name, const wire::IpAddress& l, const wire::IpAddress& r,
                const char* lid, const char* rid) {
  PeerConfig p;
  p.name = name;
  p.local = {l, 500};
  p.remote = {r, 500};
  p.local_id = Identity::fqdn(lid);
  p.remote_id = Identity::fqdn(rid);
  p.local_auth.psk = {1, 2, 3, 4};
  p.remote_auth.psk = {1, 2, 3, 4};
  return p;
}

class Input {
 public:
  Input(const uint8_t* d, size_t n) : d_(d), n_(n) {}
  bool empty() const { return pos_ >= n_; }
  uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
  uint16_t u16() { return static_cast<uint16_t>((u8() << 8) | u8()); }
  ByteSpan bytes(size_t k) {
    k = std::min(k, n_ - std::min(pos_, n_));
    ByteSpan s(d_ + pos_, k);
    pos_ += k;
    return s;
  }

 private:
  const uint8_t* d_;
  size_t n_;
  size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const wire::IpAddress ka = wire::IpAddress::v4(0xc0000201), kb = wire::IpAddress::v4(0xc0000202);
  IkeConfig ca, cb;
  ca.peers.push_back(peer("to-b", ka, kb, "a.example", "b.example"));
  cb.peers.push_back(peer("to-a", kb, ka, "b.example", "a.example"));
  cb.cookie_threshold = 2;
  cb.max_half_open = 4;
  cb.max_ike_sas = 8;
  ca.max_ike_sas = 8;
  cb.pool_v4 = *wire::IpPrefix::parse("10.9.0.0/29");
  cb.peers[0].assign_address = true;
  ca.peers[0].request_address = true;
  for (IkeConfig* c : {&ca, &cb}) {
    c->retransmit.initial = Duration::s(1);
    c->retransmit.tries = 2;
    c->half_open_timeout = Duration::s(5);
    c->dpd_delay = Duration::s(20);
    c->lifetimes.child_soft = Duration::s(40);
    c->lifetimes.child_hard = Duration::s(60);
    c->lifetimes.ike_soft = Duration::s(90);
    c->lifetimes.ike_hard = Duration::s(120);
    c->lifetimes.jitter = Duration::s(5);
  }
  crypto::DeterministicRng ra(1), rb(2);
  IkeEngine a(ca, ra), b(cb, rb);
  std::deque<Msg> queue;
  Sink sa, sb;
  sa.queue = sb.queue = &queue;
  Time now = Time::from_s(100);
  Input in(data, size);
  (void)a.initiate(now, "to-b", sa);
  for (int step = 0; step < 400 && !in.empty(); ++step) {
    const uint8_t op = in.u8();
    if (op < 0xe0 && !queue.empty()) {
      Msg m = std::move(queue.front());
      queue.pop_front();
      switch (op % 8) {
        case 0:
        case 1:
        case 2:
          break;  // deliver
        case 3:
          continue;  // drop
        case 4:
          queue.push_back(m);
          break;  // duplicate later
        case 5:
          if (!m.data.empty())
            m.data[in.u16() % m.data.size()] ^= static_cast<uint8_t>(1 << (op % 7));
          break;
        case 6:
          m.data.resize(in.u16() % (m.data.size() + 1));
          break;  // truncate
        case 7: {
          ByteSpan r = in.bytes(in.u8() * 2u);
          m.data.assign(r.begin(), r.end());
          break;
        }
      }
      IkeEngine& dst = m.to.addr == ka ? a : b;
      dst.handle_datagram(now, m.to, m.from, m.data,
                          m.to.addr == ka ? static_cast<Effects&>(sa) : sb);
      continue;
    }
    switch (op % 8) {
      case 0:
        now = now + Duration::ms(100 * (1 + in.u8()));
        break;
      case 1:
        (void)a.initiate(now, "to-b", sa);
        break;
      case 2:
        for (const auto& s : a.list_ike_sas()) (void)a.rekey_ike(now, s.handle, sa);
        break;
      case 3:
        for (const auto& s : b.list_ike_sas())
          for (const auto& c : s.children) (void)b.rekey_child(now, c.spi_in, sb);
        break;
      case 4:
        for (const auto& s : a.list_ike_sas()) (void)a.create_child(now, s.handle, sa);
        break;
      case 5:
        for (const auto& s : b.list_ike_sas()) (void)b.terminate_ike(now, s.handle, sb);
        break;
      case 6:
        for (const auto& s : a.list_ike_sas())
          for (const auto& c : s.children) (void)a.terminate_child(now, c.spi_in, sa);
        break;
      case 7: {  // a raw datagram from a stranger, to either port
        ByteSpan r = in.bytes(in.u16() % 512);
        const uint16_t port = (op & 8) ? wire::kUdpEncapPort : wire::kIkePort;
        b.handle_datagram(now, {kb, port}, {wire::IpAddress::v4(0xcb007101), 500}, r, sb);
        break;
      }
    }
    a.handle_timers(now, sa);
    b.handle_timers(now, sb);
    FUZZ_CHECK(a.state_counts().ike_sas <= 16 && b.state_counts().ike_sas <= 16);
    FUZZ_CHECK(b.state_counts().half_open <= 4);
  }
  // Let every timer run out with nothing delivered: retransmissions give
  // up, half-open SAs time out.
  queue.clear();
  // 300 s: longer than the liveness check plus its retransmissions, the
  // half-open timeout and every hard lifetime.
  for (int i = 0; i < 60; ++i) {
    now = now + Duration::s(5);
    a.handle_timers(now, sa);
    b.handle_timers(now, sb);
    queue.clear();
  }
  FUZZ_CHECK(b.state_counts().half_open == 0);
  FUZZ_CHECK(a.state_counts().total() == 0 && b.state_counts().total() == 0);
  return 0;
}
