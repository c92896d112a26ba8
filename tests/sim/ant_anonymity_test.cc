// The two anonymity options of paper §4.4: the initiator sends with a random
// private source address (option 1: only the entrance knows who it is) or
// with its real one (option 2: the responder sees it, so end-to-end IPsec or
// a VPN works over the ANT). In both, no inter-AIN packet carries the
// initiator's real address, and the exit's own traffic never shows it.
#include <gtest/gtest.h>

#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

bool contains(ByteSpan hay, ByteSpan needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}

class AntAnonymity : public ::testing::TestWithParam<bool /*private source*/> {};

TEST_P(AntAnonymity, OptionDecidesWhatTheResponderSees) {
  const bool private_src = GetParam();
  auto w = make_world(line_spec(3, core::Carrier::ip, 400 + private_src));
  ASSERT_NE(w, nullptr);
  w->net.record_bytes = true;
  crypto::DeterministicRng rng(401);
  const IpAddress real = real_inner_address(0, false);  // == the customer's tunnel address
  ASSERT_EQ(real, w->customer(0).address());
  const IpAddress src = private_src ? random_private_address(rng, false) : real;
  const Flow f{src, responder_host(false), 5555, 443};
  const Bytes d = make_udp_datagram(f, sim_payload(4, 0, 400));
  ASSERT_EQ(w->customer(0).send_datagram(d), Errc::ok);
  w->run_for(Duration::s(1));

  // The responder gets the datagram unchanged: its source is what the
  // initiator chose.
  ASSERT_EQ(w->customer(1).received.size(), 1u);
  EXPECT_EQ(w->customer(1).received[0], d);
  const Bytes& at_responder = w->customer(1).received[0];
  EXPECT_EQ(contains(at_responder, real.bytes()), !private_src);

  // It answers to that address, and the answer finds the initiator.
  const Bytes r = make_udp_datagram(reversed(f), sim_payload(4, 1, 300));
  ASSERT_EQ(w->customer(1).send_datagram(r), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(w->customer(0).received.size(), 1u);
  EXPECT_EQ(w->customer(0).received[0], r);

  // Local delivery: the exit's TUN sees a pool address either way.
  const Flow g{src, internet_host(false), 5556, 53};
  ASSERT_EQ(w->customer(0).send_datagram(make_udp_datagram(g, sim_payload(5, 0, 100))), Errc::ok);
  w->run_for(Duration::s(1));
  ASSERT_EQ(w->ain(3).local.size(), 1u);
  EXPECT_FALSE(contains(w->ain(3).local[0], real.bytes()));
  EXPECT_FALSE(contains(w->ain(3).local[0], src.bytes()));

  // Between AINs the initiator's address never appears, in any packet.
  size_t inter_ain = 0;
  for (const auto& rec : w->net.records()) {
    if (rec.cls != PacketClass::data && rec.cls != PacketClass::signaling) continue;
    ++inter_ain;
    EXPECT_FALSE(contains(rec.bytes, real.bytes())) << rec.from.to_string() << " -> " << rec.to.to_string();
    EXPECT_FALSE(contains(rec.bytes, src.bytes()));
  }
  EXPECT_GT(inter_ain, 4u);
}

INSTANTIATE_TEST_SUITE_P(Options, AntAnonymity, ::testing::Values(true, false),
                         [](const auto& p) {
                           return std::string(p.param ? "option1_private_source"
                                                      : "option2_real_source");
                         });

}  // namespace
}  // namespace ainet::sim
