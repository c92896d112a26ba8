// PVT signaling message and customer control message codecs
// (docs/protocol.md "PVT signaling message", "Customer tunnels").
#include "wire/signaling.h"

#include <gtest/gtest.h>

#include <array>

#include "crypto/rng.h"

namespace ainet::wire {
namespace {

SignalingMessage sample_create() {
  crypto::DeterministicRng rng(7);
  SignalingMessage m;
  m.command = SignalCommand::create;
  m.spi = 0x11223344;
  m.spi_bwd = 0x55667788;
  rng.fill(m.tvt_nonce);
  m.seq_fwd = 0x0123456789abcdefULL;
  m.seq_bwd = 0x3edcba9876543210ULL;
  rng.fill(m.blob);
  return m;
}

TEST(Signaling, CreateRoundTripAndLayout) {
  const SignalingMessage m = sample_create();
  std::array<uint8_t, kSignalingSize> buf;
  buf.fill(0xee);
  ASSERT_EQ(serialize_signaling(m, buf), Errc::ok);
  // Byte layout per the table in docs/protocol.md.
  EXPECT_EQ(buf[0], 0);
  EXPECT_EQ(buf[1], 0);
  EXPECT_EQ(buf[2], 0);
  EXPECT_EQ(buf[3], 0);
  EXPECT_EQ(load_be32(&buf[4]), 0x11223344u);
  EXPECT_EQ(load_be32(&buf[8]), 0x55667788u);
  EXPECT_EQ(0, std::memcmp(&buf[12], m.tvt_nonce.data(), 16));
  EXPECT_EQ(load_be64(&buf[28]), m.seq_fwd);
  EXPECT_EQ(load_be64(&buf[36]), m.seq_bwd);
  EXPECT_EQ(0, std::memcmp(&buf[44], m.blob.data(), kCreateBlobSize));
  for (size_t i = 940; i < kSignalingSize; ++i) ASSERT_EQ(buf[i], 0) << i;
  auto p = parse_signaling(buf);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(*p, m);
}

TEST(Signaling, CreatedCarriesOnly512BlobBytes) {
  SignalingMessage m = sample_create();
  m.command = SignalCommand::created;
  std::array<uint8_t, kSignalingSize> buf;
  ASSERT_EQ(serialize_signaling(m, buf), Errc::ok);
  EXPECT_EQ(buf[0], 2);
  // CREATE-only fields are written as zero for other commands.
  for (size_t i = 8; i < 44; ++i) ASSERT_EQ(buf[i], 0) << i;
  EXPECT_EQ(0, std::memcmp(&buf[44], m.blob.data(), kCreatedBlobSize));
  for (size_t i = 44 + kCreatedBlobSize; i < kSignalingSize; ++i) ASSERT_EQ(buf[i], 0) << i;
  auto p = parse_signaling(buf);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->command, SignalCommand::created);
  EXPECT_EQ(p->spi, m.spi);
  EXPECT_EQ(p->spi_bwd, 0u);
  EXPECT_EQ(0, std::memcmp(p->blob.data(), m.blob.data(), kCreatedBlobSize));
  for (size_t i = kCreatedBlobSize; i < kCreateBlobSize; ++i) ASSERT_EQ(p->blob[i], 0);
}

TEST(Signaling, EveryCommandAndReasonRoundTrips) {
  for (uint8_t c = 0; c <= 4; ++c) {
    for (uint8_t r = 0; r <= kMaxSignalReason; ++r) {
      SignalingMessage m;
      m.command = static_cast<SignalCommand>(c);
      m.reason = static_cast<SignalReason>(r);
      m.spi = 1000u + c * 16 + r;
      std::array<uint8_t, kSignalingSize> buf;
      ASSERT_EQ(serialize_signaling(m, buf), Errc::ok);
      auto p = parse_signaling(buf);
      ASSERT_TRUE(p.ok()) << int(c) << "/" << int(r);
      EXPECT_EQ(*p, m);
    }
  }
}

TEST(Signaling, DestroyHasConstantSize) {
  SignalingMessage m;
  m.command = SignalCommand::destroy;
  m.reason = SignalReason::link_down;
  std::array<uint8_t, kSignalingSize + 10> buf;
  buf.fill(0xaa);
  ASSERT_EQ(serialize_signaling(m, buf), Errc::ok);
  for (size_t i = 4; i < kSignalingSize; ++i) ASSERT_EQ(buf[i], 0) << i;
  EXPECT_EQ(buf[kSignalingSize], 0xaa);  // nothing written past 1024
}

TEST(Signaling, ReservedBytesIgnoredOnParse) {
  SignalingMessage m;
  m.command = SignalCommand::keepalive;
  std::array<uint8_t, kSignalingSize> buf;
  ASSERT_EQ(serialize_signaling(m, buf), Errc::ok);
  buf[2] = 0xff;
  buf[3] = 0x01;
  buf[1000] = 0x5a;
  auto p = parse_signaling(buf);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->command, SignalCommand::keepalive);
}

TEST(Signaling, MalformedRejected) {
  std::array<uint8_t, kSignalingSize + 1> buf{};
  // Too short. Longer is padding up to the link's signaling size
  // (core/link_sizes.h), which the engine checks exactly per link.
  EXPECT_EQ(parse_signaling(ByteSpan(buf).first(kSignalingSize - 1)).error(), Errc::malformed);
  EXPECT_TRUE(parse_signaling(ByteSpan(buf)).ok());
  EXPECT_EQ(parse_signaling(ByteSpan()).error(), Errc::malformed);
  EXPECT_TRUE(parse_signaling(ByteSpan(buf).first(kSignalingSize)).ok());
  // Every unknown command and reason value.
  for (int c = 5; c < 256; ++c) {
    buf[0] = static_cast<uint8_t>(c);
    EXPECT_EQ(parse_signaling(ByteSpan(buf).first(kSignalingSize)).error(), Errc::malformed) << c;
  }
  buf[0] = 1;
  for (int r = kMaxSignalReason + 1; r < 256; ++r) {
    buf[1] = static_cast<uint8_t>(r);
    EXPECT_EQ(parse_signaling(ByteSpan(buf).first(kSignalingSize)).error(), Errc::malformed) << r;
  }
}

TEST(Signaling, SerializeRejectsBadInput) {
  SignalingMessage m;
  std::array<uint8_t, kSignalingSize - 1> small{};
  EXPECT_EQ(serialize_signaling(m, small), Errc::buffer_too_small);
  std::array<uint8_t, kSignalingSize> buf{};
  m.command = static_cast<SignalCommand>(9);
  EXPECT_EQ(serialize_signaling(m, buf), Errc::invalid_argument);
  m.command = SignalCommand::destroy;
  m.reason = static_cast<SignalReason>(10);
  EXPECT_EQ(serialize_signaling(m, buf), Errc::invalid_argument);
}

TEST(CustomerControl, RoundTripV4AndV6) {
  for (const char* pair : {"192.0.2.1|198.51.100.7", "2001:db8::1|2001:db8:ffff::2"}) {
    std::string s(pair);
    const size_t bar = s.find('|');
    CustomerControl c;
    c.src = *IpAddress::parse(s.substr(0, bar));
    c.dst = *IpAddress::parse(s.substr(bar + 1));
    std::array<uint8_t, kCustomerControlSize> buf;
    buf.fill(0xcc);
    ASSERT_EQ(serialize_customer_control(c, buf), Errc::ok);
    EXPECT_EQ(buf[0], 1);
    EXPECT_EQ(buf[1], c.src.is_v4() ? 4 : 6);
    EXPECT_EQ(0, std::memcmp(&buf[4], c.src.bytes().data(), c.src.size()));
    EXPECT_EQ(0, std::memcmp(&buf[20], c.dst.bytes().data(), c.dst.size()));
    for (size_t i = 36; i < kCustomerControlSize; ++i) ASSERT_EQ(buf[i], 0);
    auto p = parse_customer_control(buf);
    ASSERT_TRUE(p.ok());
    EXPECT_EQ(*p, c);
  }
}

TEST(CustomerControl, MalformedRejected) {
  CustomerControl c;
  c.src = *IpAddress::parse("10.0.0.1");
  c.dst = *IpAddress::parse("10.0.0.2");
  std::array<uint8_t, kCustomerControlSize + 1> buf{};
  ASSERT_EQ(serialize_customer_control(c, buf), Errc::ok);
  ASSERT_TRUE(parse_customer_control(ByteSpan(buf).first(kCustomerControlSize)).ok());
  EXPECT_EQ(parse_customer_control(ByteSpan(buf)).error(), Errc::malformed);
  EXPECT_EQ(parse_customer_control(ByteSpan(buf).first(63)).error(), Errc::malformed);
  auto bad = buf;
  bad[0] = 2;
  EXPECT_EQ(parse_customer_control(ByteSpan(bad).first(64)).error(), Errc::malformed);
  bad = buf;
  bad[1] = 5;
  EXPECT_EQ(parse_customer_control(ByteSpan(bad).first(64)).error(), Errc::malformed);
  c.dst = *IpAddress::parse("::1");
  EXPECT_EQ(serialize_customer_control(c, buf), Errc::invalid_argument);
}

}  // namespace
}  // namespace ainet::wire
