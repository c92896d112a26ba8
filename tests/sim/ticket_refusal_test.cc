// Every kind of bad ticket in a CREATE is refused by an intermediate AIN
// with its own reason code and its own counter, and leaves nothing behind
// (paper §5.4 "Ticket"; docs/protocol.md "Tickets"). The test plays AIN 1's
// side of the PVT 1-2 with the configured keys and hands AIN 2 crafted
// CREATEs; a genuine ticket is taken from a real CREATE on the wire.
#include <gtest/gtest.h>

#include "core/link_sizes.h"
#include "core/ticket_issuer.h"
#include "core/tunnel_bundle.h"
#include "sim/sim_scenario.h"

namespace ainet::sim {
namespace {

using wire::SignalCommand;
using wire::SignalingMessage;
using wire::SignalReason;

class TicketRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    WorldSpec spec = line_spec(3, core::Carrier::ip, 808);
    spec.tickets = true;
    w_ = make_world(spec);
    ASSERT_NE(w_, nullptr);
    w_->net.record_bytes = true;
    a1_ = w_->ain(1).address();
    a2_ = w_->ain(2).address();
    for (const core::PvtConfig& p : w_->keys.pvts_of(1))
      if (p.peer == 2) pvt_ = p;
    fake_ = core::TunnelBundle::create(core::Carrier::ip, pvt_.out, pvt_.in, a1_, a2_, 1024).value();
    // AIN 2's side of the PVT, to open what AIN 1 sent it.
    listen_ = core::TunnelBundle::create(core::Carrier::ip, pvt_.in, pvt_.out, a2_, a1_, 1024).value();
    sig_size_ = core::signaling_size(core::Carrier::ip, core::TvtIntegrity::aes256_gmac, core::kDefaultCellSize, wire::kSignalingSize).value();
  }

  // A genuine ticket: AIN 1 builds an ANT for its customer; the CREATE it
  // sends to AIN 2 is opened with the PVT keys. AIN 1 then goes quiet (its
  // sequence numbers are ours from here on).
  std::array<uint8_t, wire::kTicketSize> genuine_ticket() {
    const Flow f{real_inner_address(0, false), internet_host(false), 40001, 53};
    EXPECT_EQ(w_->customer(0).send_datagram(make_udp_datagram(f, sim_payload(1, 0, 100))), Errc::ok);
    w_->run_for(Duration::ms(200));
    EXPECT_EQ(w_->ain(3).local.size(), 1u) << "the real ANT came up with its ticket";
    std::array<uint8_t, wire::kTicketSize> t{};
    size_t sent = 0;
    for (const PacketRecord& r : w_->net.records()) {
      if (r.from != a1_ || r.to != a2_ || r.cls != PacketClass::signaling) continue;
      ++sent;
      Bytes b = r.bytes;
      auto o = listen_.open(b);
      if (!o) continue;
      auto m = wire::parse_signaling(o->payload);
      if (m && m->command == SignalCommand::create) t = m->ticket;
    }
    w_->ain(1).crash();
    w_->net.set_down(a1_, false);  // the link stays; only the engine is gone
    // Skip the fake bundle past every sequence number AIN 1 used.
    Bytes mid(4096), out(4096);
    for (size_t i = 0; i <= sent + 16; ++i)
      (void)fake_.seal(Bytes(8, 0), wire::kProtoNoNext, out, w_->net.rng());
    return t;
  }

  // Sends AIN 2 a CREATE with this ticket (and a random blob) from AIN 1's
  // side; returns the reason of the CREATE_FAILED it answers.
  std::optional<SignalReason> create_with(ByteSpan ticket) {
    SignalingMessage c;
    c.command = SignalCommand::create;
    c.spi = 0x10000000u + next_spi_++;
    c.spi_bwd = 0x20000000u + next_spi_;
    w_->net.rng().fill(c.tvt_nonce);
    w_->net.rng().fill(c.blob);
    std::copy(ticket.begin(), ticket.end(), c.ticket.begin());
    Bytes msg(sig_size_, 0), mid(4096), out(4096);
    EXPECT_EQ(wire::serialize_signaling(c, msg), Errc::ok);
    auto sealed = fake_.seal(msg, wire::kProtoOnion, out, w_->net.rng());
    EXPECT_TRUE(sealed.ok());
    const size_t from = w_->net.records().size();
    w_->net.send(a1_, a2_, *sealed, /*injected=*/true);
    w_->run_for(Duration::ms(50));
    const auto& recs = w_->net.records();
    for (size_t i = from; i < recs.size(); ++i) {
      if (recs[i].from != a2_ || recs[i].to != a1_ || recs[i].cls != PacketClass::signaling) continue;
      Bytes b = recs[i].bytes;
      auto o = fake_.open(b);
      if (!o) continue;
      auto m = wire::parse_signaling(o->payload);
      if (m && m->command == SignalCommand::create_failed && m->spi == c.spi_bwd) return m->reason;
    }
    return std::nullopt;
  }

  wire::Ticket issued_at(uint64_t unix_s) {
    core::TicketConfig cfg;
    cfg.enabled = true;
    core::TicketIssuer issuer(1, crypto::BlindRsaPrivateKey::from_pem(kSimTicketKeyPem).value(), cfg);
    return issuer.issue(77, unix_s, w_->net.rng()).value();
  }
  static std::array<uint8_t, wire::kTicketSize> bytes_of(const wire::Ticket& t) {
    std::array<uint8_t, wire::kTicketSize> b{};
    EXPECT_EQ(wire::serialize_ticket(t, b), Errc::ok);
    return b;
  }
  core::TicketStats stats() { return w_->ain(2).engine().stats().tickets; }

  std::unique_ptr<SimWorld> w_;
  IpAddress a1_, a2_;
  core::PvtConfig pvt_;
  core::TunnelBundle fake_, listen_;
  size_t sig_size_ = 0;
  uint32_t next_spi_ = 1;
};

TEST_F(TicketRefusal, EachBadTicketHasItsReasonAndCounterAndLeavesNoState) {
  const auto genuine = genuine_ticket();
  ASSERT_NE(genuine, (std::array<uint8_t, wire::kTicketSize>{})) << "no ticket in the real CREATE";
  const core::StateCounts base = w_->ain(2).engine().state_counts();
  const core::TicketStats before = stats();
  EXPECT_EQ(before.accepted, 1u);

  const std::array<uint8_t, wire::kTicketSize> none{};
  EXPECT_EQ(create_with(none), SignalReason::no_ticket);
  EXPECT_EQ(stats().missing, 1u);

  auto malformed = bytes_of(issued_at(kSimUnixNow));
  malformed[0] = 7;  // version
  EXPECT_EQ(create_with(malformed), SignalReason::bad_ticket);
  EXPECT_EQ(stats().malformed, 1u);

  auto forged = bytes_of(issued_at(kSimUnixNow));
  forged[wire::kTicketOffSignature + 100] ^= 0x01;
  EXPECT_EQ(create_with(forged), SignalReason::bad_ticket);
  EXPECT_EQ(stats().forged, 1u);

  EXPECT_EQ(create_with(bytes_of(issued_at(kSimUnixNow - 3600))), SignalReason::ticket_expired);
  EXPECT_EQ(stats().expired, 1u);

  EXPECT_EQ(create_with(bytes_of(issued_at(kSimUnixNow + 3600))), SignalReason::ticket_wrong_slice);
  EXPECT_EQ(stats().wrong_slice, 1u);

  EXPECT_EQ(create_with(genuine), SignalReason::ticket_reused);
  EXPECT_EQ(stats().reused, 1u);

  // A valid ticket on a CREATE refused for another reason (its slot does not
  // open) is not spent: the same ticket is refused again for the slot, not
  // as reused.
  const auto fresh = bytes_of(issued_at(kSimUnixNow));
  EXPECT_EQ(create_with(fresh), SignalReason::auth);
  EXPECT_EQ(create_with(fresh), SignalReason::auth);
  EXPECT_EQ(stats().reused, 1u);
  EXPECT_EQ(stats().accepted, 1u);

  // Every refusal moved exactly its own counter and nothing was kept.
  EXPECT_EQ(stats().refused(), before.refused() + 6);
  EXPECT_EQ(w_->ain(2).engine().state_counts(), base);
}

}  // namespace
}  // namespace ainet::sim
