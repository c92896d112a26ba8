// Ticket codec (docs/protocol.md "Tickets"): exact layout, round trip, and
// every refusal.
#include "wire/ticket.h"

#include <gtest/gtest.h>

namespace ainet::wire {
namespace {

Ticket sample() {
  Ticket t;
  t.issuer = 0x01020304;
  t.slice = 0x1122334455667788ull;
  for (size_t i = 0; i < t.nonce.size(); ++i) t.nonce[i] = static_cast<uint8_t>(0xa0 + i);
  for (size_t i = 0; i < t.signature.size(); ++i) t.signature[i] = static_cast<uint8_t>(i);
  return t;
}

TEST(Ticket, LayoutIsFixedAndBigEndian) {
  std::array<uint8_t, kTicketSize> out{};
  ASSERT_EQ(serialize_ticket(sample(), out), Errc::ok);
  EXPECT_EQ(kTicketSize, 304u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(out[1] | out[2] | out[3], 0);
  EXPECT_EQ(to_hex(ByteSpan(out).subspan(kTicketOffIssuer, 4)), "01020304");
  EXPECT_EQ(to_hex(ByteSpan(out).subspan(kTicketOffSlice, 8)), "1122334455667788");
  EXPECT_EQ(out[kTicketOffNonce], 0xa0);
  EXPECT_EQ(out[kTicketOffSignature], 0x00);
  EXPECT_EQ(out[kTicketSize - 1], 0xff);
}

TEST(Ticket, RoundTrips) {
  std::array<uint8_t, kTicketSize> out{};
  ASSERT_EQ(serialize_ticket(sample(), out), Errc::ok);
  auto t = parse_ticket(out);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, sample());
}

TEST(Ticket, MessageIsLabelIssuerSliceNonce) {
  const Ticket t = sample();
  const TicketMessage m = ticket_message(t);
  EXPECT_EQ(std::string(m.begin(), m.begin() + kTicketLabel.size()), "ainet-ticket-v1");
  EXPECT_EQ(to_hex(ByteSpan(m).subspan(kTicketLabel.size(), 12)), "010203041122334455667788");
  EXPECT_EQ(to_hex(ByteSpan(m).last(32)), to_hex(t.nonce));
  EXPECT_EQ(m.size(), 15u + 4 + 8 + 32);
}

TEST(Ticket, RefusesEveryMalformedShape) {
  std::array<uint8_t, kTicketSize> good{};
  ASSERT_EQ(serialize_ticket(sample(), good), Errc::ok);
  // Wrong lengths: empty, one short, one long.
  EXPECT_EQ(parse_ticket({}).error(), Errc::malformed);
  EXPECT_EQ(parse_ticket(ByteSpan(good).first(kTicketSize - 1)).error(), Errc::malformed);
  Bytes longer(good.begin(), good.end());
  longer.push_back(0);
  EXPECT_EQ(parse_ticket(longer).error(), Errc::malformed);
  // Version 0 (absent) and 2 (unknown).
  for (uint8_t v : {0, 2, 255}) {
    auto b = good;
    b[0] = v;
    EXPECT_EQ(parse_ticket(b).error(), Errc::malformed) << int(v);
  }
  // Each reserved byte.
  for (size_t i = 1; i < 4; ++i) {
    auto b = good;
    b[i] = 1;
    EXPECT_EQ(parse_ticket(b).error(), Errc::malformed) << i;
  }
  // Issuer 0.
  auto b = good;
  std::fill(b.begin() + kTicketOffIssuer, b.begin() + kTicketOffIssuer + 4, 0);
  EXPECT_EQ(parse_ticket(b).error(), Errc::malformed);
}

TEST(Ticket, SerializeRefusesShortBufferAndIssuerZero) {
  std::array<uint8_t, kTicketSize - 1> small{};
  EXPECT_EQ(serialize_ticket(sample(), small), Errc::buffer_too_small);
  Ticket t = sample();
  t.issuer = 0;
  std::array<uint8_t, kTicketSize> out{};
  EXPECT_EQ(serialize_ticket(t, out), Errc::invalid_argument);
}

TEST(Ticket, AbsentTicketIsAllZeroOrEmpty) {
  std::array<uint8_t, kTicketSize> zero{};
  EXPECT_TRUE(is_absent_ticket(zero));
  EXPECT_TRUE(is_absent_ticket({}));
  zero[200] = 1;
  EXPECT_FALSE(is_absent_ticket(zero));
  std::array<uint8_t, 10> short_zero{};
  EXPECT_FALSE(is_absent_ticket(short_zero));  // a truncated field is malformed, not absent
}

}  // namespace
}  // namespace ainet::wire
