// Error handling (RFC 7296 §2.21, §2.5, §2.6, §1.2): each bad input gets the
// notify the RFC asks for, or a silent drop, and leaves no state behind.
#include <gtest/gtest.h>

#include "ike_craft.h"
#include "sim/ike_sim.h"

namespace ainet::ike {
namespace {

using sim::IkeNode;
using sim::IkeSimNet;
using wire::IpAddress;

using sim::kNodeA;
using sim::kNodeB;
const IpAddress kEvil = IpAddress::v4(0xcb007101);  // 203.0.113.1

struct Pair : sim::EnginePair {
  Pair(IkeConfig ca, IkeConfig cb, uint64_t seed = 11)
      : EnginePair(std::move(ca), std::move(cb), seed) {}
  Pair() : EnginePair(11) {}
  void start() { ASSERT_TRUE(a->engine().initiate(net.now(), "to-b", *a).ok()); }
  // Datagrams the network carried to `to` (in order).
  std::vector<Bytes> sent_to(const UdpEndpoint& to) const {
    std::vector<Bytes> out;
    for (const auto& d : net.wire_log)
      if (d.to == to) out.push_back(d.data);
    return out;
  }
};

void expect_empty(IkeEngine& e) {
  const IkeStateCounts c = e.state_counts();
  EXPECT_EQ(c.total(), 0u) << "ike_sas " << c.ike_sas << " half_open " << c.half_open
                           << " children " << c.children << " leases " << c.leases << " timers "
                           << c.timers << " init_index " << c.init_index << " spi_index "
                           << c.spi_index;
}

TEST(IkeErrors, WrongPskIsAuthenticationFailedAndNothingRemains) {
  PeerConfig pa = sim::a_to_b();
  pa.local_auth.psk = {1, 2, 3};
  Pair p(sim::with_peer(pa), sim::with_peer(sim::b_to_a()));
  p.start();
  p.net.run_for(Duration::s(2));  // well before the 10 s half-open timeout
  EXPECT_TRUE(p.a->ike_ups.empty());
  EXPECT_TRUE(p.b->ike_ups.empty());
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::auth_failed);
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::authentication_failed), 1u);
  EXPECT_TRUE(p.b->child_ups.empty());
  expect_empty(p.a->engine());
  expect_empty(p.b->engine());
}

TEST(IkeErrors, ResponderWithWrongPskIsRefusedByInitiator) {
  PeerConfig pb = sim::b_to_a();
  pb.local_auth.psk = {9, 9, 9};  // b proves itself with the wrong key
  Pair p(sim::with_peer(sim::a_to_b()), sim::with_peer(pb));
  p.start();
  p.net.run_for(Duration::s(2));  // well before the 10 s half-open timeout
  // b accepted a, answered with a bad AUTH; a refuses, tells b (§2.21.2).
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::auth_failed);
  EXPECT_EQ(p.a->engine().counters().error_sent(NotifyType::authentication_failed), 1u);
  ASSERT_EQ(p.b->ike_downs.size(), 1u);
  EXPECT_EQ(p.b->ike_downs[0].reason, IkeDownReason::auth_failed);
  expect_empty(p.a->engine());
  expect_empty(p.b->engine());
}

TEST(IkeErrors, UnknownIdentityGetsTheSameAnswer) {
  Pair p(sim::with_peer(sim::psk_peer("to-b", kNodeA, kNodeB, "stranger.example", "b.example")),
         sim::with_peer(sim::b_to_a()));
  p.start();
  p.net.run_for(Duration::s(2));  // well before the 10 s half-open timeout
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::auth_failed);
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::authentication_failed), 1u);
  expect_empty(p.a->engine());
  expect_empty(p.b->engine());
}

TEST(IkeErrors, UnsupportedIkeProposalIsNoProposalChosen) {
  IkeConfig ca = sim::with_peer(sim::a_to_b());
  ca.proposals.ike_key_bits = {128};
  IkeConfig cb = sim::with_peer(sim::b_to_a());
  cb.proposals.ike_key_bits = {256};
  Pair p(ca, cb);
  p.start();
  p.net.run_for(Duration::s(2));  // well before the 10 s half-open timeout
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::no_proposal);
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::no_proposal_chosen), 1u);
  expect_empty(p.a->engine());
  expect_empty(p.b->engine());
}

TEST(IkeErrors, ForeignProposalsAreRefused) {
  // AES-CBC + HMAC-SHA1 + MODP-2048: none of it is allowed (issue 9).
  Pair p;
  crypto::DeterministicRng rng(3);
  test::InitSpec s;
  Proposal old;
  old.number = 1;
  old.protocol = static_cast<uint8_t>(ProtocolId::ike);
  old.transforms = {{TransformType::encr, 12, 256},
                    {TransformType::prf, 2, 0},
                    {TransformType::integ, 2, 0},
                    {TransformType::dh, 14, 0}};
  s.proposals = {old};
  s.ke_group = 14;
  s.ke = Bytes(256, 7);
  const UdpEndpoint evil{kEvil, 500};
  p.net.inject(evil, {kNodeB, 500}, test::build_init_request(s, rng));
  p.net.run_for(Duration::s(1));
  auto replies = p.sent_to(evil);
  ASSERT_EQ(replies.size(), 1u);
  auto n = test::notifies_of(replies[0]);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].type, static_cast<uint16_t>(NotifyType::no_proposal_chosen));
  expect_empty(p.b->engine());
}

TEST(IkeErrors, WrongKeGroupIsInvalidKePayloadThenRetryWorks) {
  Pair p;
  crypto::DeterministicRng rng(4);
  test::InitSpec s;
  Proposal both = make_ike_proposal(ProposalPolicy{}, 0, 0);
  both.transforms.insert(both.transforms.begin() + 2, {TransformType::dh, 19, 0});  // ECP-256 first
  s.proposals = {both};
  s.ke_group = 19;
  s.ke = Bytes(64, 4);
  const UdpEndpoint evil{kEvil, 500};
  p.net.inject(evil, {kNodeB, 500}, test::build_init_request(s, rng));
  p.net.run_for(Duration::s(1));
  auto replies = p.sent_to(evil);
  ASSERT_EQ(replies.size(), 1u);
  auto n = test::notifies_of(replies[0]);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].type, static_cast<uint16_t>(NotifyType::invalid_ke_payload));
  EXPECT_EQ(to_hex(n[0].data), "001f");  // §1.2: the group we want, 31
  expect_empty(p.b->engine());
  // The retry with a group 31 KE gets an SA (half-open until IKE_AUTH).
  s.ke_group = kDhCurve25519;
  s.ke.clear();
  p.net.inject(evil, {kNodeB, 500}, test::build_init_request(s, rng));
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.b->engine().state_counts().half_open, 1u);
  // ...which times out and leaves nothing (§2.6 spirit: bounded half-open).
  p.net.run_for(Duration::s(11));
  expect_empty(p.b->engine());
}

TEST(IkeErrors, InitiatorGivenInvalidKeFailsWithoutLooping) {
  // We only have group 31; a responder asking for another group ends the attempt.
  Pair p;
  p.net.filter = [&](sim::Datagram& d) {
    if (d.to.addr != kNodeA || d.data.size() < 28) return true;
    auto m = parse_message(d.data);
    if (!m || m->header.exchange_type() != ExchangeType::ike_sa_init) return true;
    IkeHeader h = m->header;
    h.spi_r = 0;
    Bytes r;
    write_ike_header(r, h);
    PayloadChainWriter w(r, 16);
    Bytes n;
    const uint8_t g[2] = {0, 19};
    write_notify(n, 0, static_cast<uint16_t>(NotifyType::invalid_ke_payload), {}, g);
    w.add(PayloadType::notify, n);
    (void)finish_message(r);
    d.data = r;
    return true;
  };
  p.start();
  p.net.run_for(Duration::s(2));  // well before the 10 s half-open timeout
  ASSERT_EQ(p.a->ike_downs.size(), 1u);
  EXPECT_EQ(p.a->ike_downs[0].reason, IkeDownReason::no_proposal);
  EXPECT_EQ(p.a->engine().counters().requests_sent, 1u);
  expect_empty(p.a->engine());
}

TEST(IkeErrors, UnknownCriticalPayloadInInit) {
  Pair p;
  crypto::DeterministicRng rng(5);
  test::InitSpec s;
  s.unknown_critical = true;
  const UdpEndpoint evil{kEvil, 500};
  p.net.inject(evil, {kNodeB, 500}, test::build_init_request(s, rng));
  p.net.run_for(Duration::s(1));
  auto replies = p.sent_to(evil);
  ASSERT_EQ(replies.size(), 1u);
  auto n = test::notifies_of(replies[0]);
  ASSERT_EQ(n.size(), 1u);
  EXPECT_EQ(n[0].type, static_cast<uint16_t>(NotifyType::unsupported_critical_payload));
  EXPECT_EQ(to_hex(n[0].data), "de");  // §3.10.1: the payload type, 222
  expect_empty(p.b->engine());
}

TEST(IkeErrors, OversizedInitRequestIsDropped) {
  // A half-open SA keeps its IKE_SA_INIT request (§2.15), so those are
  // bounded to kMaxInitRequestLen; a big vendor ID pushes one over.
  Pair p;
  crypto::DeterministicRng rng(8);
  test::InitSpec s;
  Bytes m = test::build_init_request(s, rng);
  auto with_vid = [&](size_t vid_len) {
    Bytes x = m;
    x[16] = static_cast<uint8_t>(PayloadType::vendor_id);  // first payload: the vendor ID
    Bytes v(4 + vid_len, 0);
    v[0] = static_cast<uint8_t>(PayloadType::sa);
    store_be16(&v[2], static_cast<uint16_t>(v.size()));
    x.insert(x.begin() + kIkeHeaderLen, v.begin(), v.end());
    store_be32(&x[24], static_cast<uint32_t>(x.size()));
    return x;
  };
  const UdpEndpoint evil{kEvil, 500};
  const Bytes big = with_vid(kMaxInitRequestLen - m.size());
  ASSERT_EQ(big.size(), kMaxInitRequestLen + 4);
  p.net.inject(evil, {kNodeB, 500}, big);
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(p.sent_to(evil).empty());
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::parse), 1u);
  // Just within the bound: accepted (the vendor ID is ignored, §3.12).
  p.net.inject(evil, {kNodeB, 500}, with_vid(kMaxInitRequestLen - m.size() - 4));
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.sent_to(evil).size(), 1u);
  EXPECT_EQ(p.b->engine().state_counts().half_open, 1u);
}

TEST(IkeErrors, HigherMajorVersionAndGarbageAreDroppedSilently) {
  Pair p;
  crypto::DeterministicRng rng(6);
  test::InitSpec s;
  s.major = 3;
  const UdpEndpoint evil{kEvil, 500};
  p.net.inject(evil, {kNodeB, 500}, test::build_init_request(s, rng));
  p.net.inject(evil, {kNodeB, 500}, Bytes(40, 0xee));
  p.net.inject(evil, {kNodeB, 500}, Bytes{});
  p.net.run_for(Duration::s(1));
  EXPECT_TRUE(p.sent_to(evil).empty());
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::version), 1u);
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::parse), 2u);
  expect_empty(p.b->engine());
}

TEST(IkeErrors, TamperedTruncatedAndReplayedMessages) {
  Pair p;
  // Flip one bit of the first IKE_AUTH request (inside the SK payload).
  int auth_requests = 0;
  p.net.filter = [&](sim::Datagram& d) {
    auto m = parse_message(d.data);
    if (m && m->header.exchange_type() == ExchangeType::ike_auth && !m->header.is_response() &&
        auth_requests++ == 0) {
      d.data[d.data.size() - 20] ^= 0x01;
    }
    return true;
  };
  p.start();
  p.net.run_for(Duration::s(5));
  // The responder dropped the tampered copy (§2.21.2: silently), the
  // initiator's retransmission got through.
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::integrity), 1u);
  EXPECT_GE(p.a->engine().counters().retransmissions, 1u);
  ASSERT_EQ(p.a->ike_ups.size(), 1u);
  ASSERT_EQ(p.b->child_ups.size(), 1u);
  p.net.filter = nullptr;

  // Replay the IKE_AUTH request: it is the last request, so the cached
  // response is sent again (§2.1) and nothing changes.
  const UdpEndpoint a_ep{kNodeA, 500}, b_ep{kNodeB, 500};
  std::vector<Bytes> auth;
  for (const auto& d : p.net.wire_log) {
    auto m = parse_message(d.data);
    if (d.to == b_ep && m && m->header.exchange_type() == ExchangeType::ike_auth)
      auth.push_back(d.data);
  }
  ASSERT_GE(auth.size(), 2u);
  const uint64_t resent = p.b->engine().counters().responses_resent;
  p.net.inject(a_ep, b_ep, auth.back());
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.b->engine().counters().responses_resent, resent + 1);
  EXPECT_EQ(p.b->child_ups.size(), 1u);
  EXPECT_EQ(p.b->ike_ups.size(), 1u);
  // The tampered first copy replayed: integrity drop, no answer.
  const uint64_t integrity = p.b->engine().counters().drop(DropReason::integrity);
  Bytes bad = auth.front();
  bad[bad.size() - 20] ^= 0x01;
  p.net.inject(a_ep, b_ep, bad);
  // Truncated: the datagram is shorter than its Length field.
  Bytes cut(auth.back().begin(), auth.back().end() - 5);
  p.net.inject(a_ep, b_ep, cut);
  // The IKE_SA_INIT request again, after the SA is up: not a retransmission
  // of a half-open SA any more, and not a new SA either.
  std::vector<Bytes> init = p.sent_to(b_ep);
  p.net.inject(a_ep, b_ep, init.front());
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::integrity), integrity + 1);
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::parse), 1u);
  EXPECT_EQ(p.b->engine().counters().drop(DropReason::init_mismatch), 1u);
  EXPECT_EQ(p.b->engine().list_ike_sas().size(), 1u);
  EXPECT_EQ(p.b->engine().state_counts().half_open, 0u);
  // And the SA still works: a new child SA comes up.
  ASSERT_EQ(p.a->engine().create_child(p.net.now(), p.a->ike_ups[0].handle, *p.a), Errc::ok);
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.b->child_ups.size(), 2u);
}

TEST(IkeErrors, ResponseToNothingAndOldMessageIdsAreDropped) {
  Pair p;
  p.start();
  p.net.run_for(Duration::s(2));
  ASSERT_EQ(p.b->ike_ups.size(), 1u);
  // The IKE_AUTH response replayed to the initiator: nothing is outstanding.
  const UdpEndpoint a_ep{kNodeA, 500}, b_ep{kNodeB, 500};
  std::vector<Bytes> to_a = p.sent_to(a_ep);
  ASSERT_GE(to_a.size(), 2u);
  p.net.inject(b_ep, a_ep, to_a[1]);
  // The IKE_SA_INIT response replayed: the SA is no longer in init_sent.
  p.net.inject(b_ep, a_ep, to_a[0]);
  p.net.run_for(Duration::s(1));
  EXPECT_EQ(p.a->engine().counters().drop(DropReason::message_id), 1u);
  EXPECT_EQ(p.a->engine().counters().drop(DropReason::unexpected), 1u);
  EXPECT_EQ(p.a->ike_ups.size(), 1u);
}

TEST(IkeErrors, TsUnacceptableKeepsTheIkeSa) {
  PeerConfig pa = sim::a_to_b();
  pa.remote_ts = {TrafficSelector::from_prefix(*wire::IpPrefix::parse("10.2.0.0/16"))};
  PeerConfig pb = sim::b_to_a();
  pb.local_ts = {TrafficSelector::from_prefix(*wire::IpPrefix::parse("10.1.0.0/16"))};
  Pair p(sim::with_peer(pa), sim::with_peer(pb));
  p.start();
  p.net.run_for(Duration::s(2));
  // §2.21.3: the IKE SA stands, the child does not.
  EXPECT_EQ(p.a->ike_ups.size(), 1u);
  EXPECT_EQ(p.b->ike_ups.size(), 1u);
  EXPECT_TRUE(p.a->child_ups.empty());
  EXPECT_TRUE(p.b->child_ups.empty());
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::ts_unacceptable), 1u);
  EXPECT_EQ(p.b->engine().state_counts().children, 0u);
  EXPECT_EQ(p.a->engine().state_counts().children, 0u);  // the reserved SPI is released
}

TEST(IkeErrors, EspProposalMismatchKeepsTheIkeSa) {
  IkeConfig ca = sim::with_peer(sim::a_to_b());
  ca.proposals.esp_key_bits = {128};
  IkeConfig cb = sim::with_peer(sim::b_to_a());
  cb.proposals.esp_key_bits = {256};
  Pair p(ca, cb);
  p.start();
  p.net.run_for(Duration::s(2));
  EXPECT_EQ(p.a->ike_ups.size(), 1u);
  EXPECT_TRUE(p.a->child_ups.empty());
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::no_proposal_chosen), 1u);
  EXPECT_EQ(p.a->engine().counters().child_sas_failed, 1u);
}

TEST(IkeErrors, AddressPoolExhaustedIsInternalAddressFailure) {
  PeerConfig pa = sim::a_to_b();
  pa.request_address = true;
  PeerConfig pb = sim::b_to_a();
  pb.assign_address = true;
  IkeConfig cb = sim::with_peer(pb);
  cb.pool_v4 = *wire::IpPrefix::parse("10.9.0.0/30");  // two usable addresses
  Pair p(sim::with_peer(pa), cb);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(p.a->engine().initiate(p.net.now(), "to-b", *p.a).ok());
  p.net.run_for(Duration::s(2));
  EXPECT_EQ(p.b->ike_ups.size(), 3u);
  EXPECT_EQ(p.b->child_ups.size(), 2u);
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::internal_address_failure), 1u);
  EXPECT_EQ(p.b->engine().state_counts().leases, 2u);
  // Deleting the IKE SAs gives the addresses back.
  for (const auto& sa : p.a->engine().list_ike_sas())
    ASSERT_EQ(p.a->engine().terminate_ike(p.net.now(), sa.handle, *p.a), Errc::ok);
  p.net.run_for(Duration::s(2));
  expect_empty(p.a->engine());
  expect_empty(p.b->engine());
}

TEST(IkeErrors, NoCpRequestWhenRequiredIsFailedCpRequired) {
  PeerConfig pb = sim::b_to_a();
  pb.assign_address = true;
  IkeConfig cb = sim::with_peer(pb);
  cb.pool_v4 = *wire::IpPrefix::parse("10.9.0.0/24");
  Pair p(sim::with_peer(sim::a_to_b()), cb);
  p.start();
  p.net.run_for(Duration::s(2));
  EXPECT_EQ(p.a->ike_ups.size(), 1u);
  EXPECT_TRUE(p.a->child_ups.empty());
  EXPECT_EQ(p.b->engine().counters().error_sent(NotifyType::failed_cp_required), 1u);
}

}  // namespace
}  // namespace ainet::ike
