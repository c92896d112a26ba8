#include "wire/checksum.h"

#include <gtest/gtest.h>

#include <random>

#include "support/reference_checksum.h"
#include "wire_test_util.h"

namespace ainet::wire {
namespace {

using test::hex;

// Packets captured on Linux 6.18 loopback (AF_PACKET on lo) while running
// `ping -c1 -s 16 127.0.0.1` (kKernelIcmpEcho4, wire_test_util.h) and
// `ping -6 -c1 -s 16 ::1`; the kernel computed the IPv4 header, ICMP and
// ICMPv6 checksums in software, so they are an independent reference for ours.
using test::kKernelIcmpEcho4;
const char* kKernelIcmpv6Echo =
    "60083aa500183a40"
    "00000000000000000000000000000001"  // ::1
    "00000000000000000000000000000001"  // ::1
    "80002d3e23c100011b870a6b0000000008b9000000000000";

TEST(InternetChecksum, Rfc1071NumericalExample) {
  // RFC 1071 §3: the bytes 00 01 f2 03 f4 f5 f6 f7 sum to ddf2 (one's
  // complement); the checksum is its complement, 220d.
  const Bytes b = hex("0001f203f4f5f6f7");
  EXPECT_EQ(internet_checksum(b), 0x220d);
}

TEST(InternetChecksum, KernelIpv4HeaderAndIcmp) {
  Bytes p = hex(kKernelIcmpEcho4);
  const ByteSpan header(p.data(), 20);
  EXPECT_EQ(internet_checksum(header), 0) << "a valid header sums to zero";
  store_be16(&p[10], 0);
  EXPECT_EQ(internet_checksum(ByteSpan(p.data(), 20)), 0xaacb);
  store_be16(&p[22], 0);
  EXPECT_EQ(internet_checksum(ByteSpan(p).subspan(20)), 0x5ccc);
}

TEST(InternetChecksum, KernelIcmpv6PseudoHeader) {
  const Bytes p = hex(kKernelIcmpv6Echo);
  const auto src = IpAddress::from_bytes(ByteSpan(p).subspan(8, 16)).value();
  const auto dst = IpAddress::from_bytes(ByteSpan(p).subspan(24, 16)).value();
  const ByteSpan icmp = ByteSpan(p).subspan(40);
  EXPECT_EQ(pseudo_header_checksum(src, dst, 58, icmp, 2), 0x2d3e);
  // A different next header value changes the sum: the protocol is included.
  EXPECT_NE(pseudo_header_checksum(src, dst, 17, icmp, 2), 0x2d3e);
}

TEST(InternetChecksum, IncrementalEqualsOneShotAtEverySplit) {
  Bytes data(61);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i * 37 + 11);
  const uint16_t whole = internet_checksum(data);
  for (size_t a = 0; a <= data.size(); ++a) {
    for (size_t b = a; b <= data.size(); b += 7) {
      InternetChecksum c;
      c.add(ByteSpan(data).first(a));
      c.add(ByteSpan(data).subspan(a, b - a));
      c.add(ByteSpan(data).subspan(b));
      ASSERT_EQ(c.finish(), whole) << a << " " << b;
    }
  }
}

TEST(InternetChecksum, MatchesAReferenceAtEveryLengthAlignmentAndSplit) {
  // add() sums 32-bit words in the machine's byte order (RFC 1071 §2(B),
  // §2(C)); the reference (tests/support) sums 16-bit big-endian words one by
  // one. Random bytes, all-0xff bytes (the most carries) and all-zero bytes,
  // at every start offset mod 8 (unaligned loads), in up to 4 chunks of odd
  // and even lengths.
  std::mt19937 rng(20261207);
  Bytes buf(2200 + 8);
  for (int fill : {-1, 0xff, 0}) {
    for (auto& b : buf) b = static_cast<uint8_t>(fill < 0 ? rng() : static_cast<unsigned>(fill));
    for (int round = 0; round < 400; ++round) {
      const size_t off = rng() % 8, len = rng() % 2200;
      const ByteSpan data = ByteSpan(buf).subspan(off, len);
      const uint16_t want = static_cast<uint16_t>(~ainet::test::fold(ainet::test::sum16(data.data(), data.size())));
      ASSERT_EQ(internet_checksum(data), want) << "len " << len << " off " << off;
      InternetChecksum c;
      size_t at = 0;
      for (int k = 0; k < 3 && at < len; ++k) {
        const size_t part = rng() % (len - at + 1);
        c.add(data.subspan(at, part));
        at += part;
      }
      c.add(data.subspan(at));
      ASSERT_EQ(c.finish(), want) << "len " << len << " off " << off << " (chunks)";
    }
  }
}

TEST(InternetChecksum, OddTrailingByteIsHighByte) {
  // RFC 1071 §4.1: an odd final byte is padded with a zero low byte.
  const Bytes odd = hex("1234ab");
  const Bytes even = hex("1234ab00");
  EXPECT_EQ(internet_checksum(odd), internet_checksum(even));
  EXPECT_EQ(internet_checksum(odd), static_cast<uint16_t>(~(0x1234 + 0xab00)));
}

TEST(InternetChecksum, FoldsCarriesAndHandlesWords) {
  InternetChecksum c;
  c.add_u16(0xffff);
  c.add_u16(0x0001);  // 0x10000 folds to 0x0001
  EXPECT_EQ(c.finish(), static_cast<uint16_t>(~0x0001));
  InternetChecksum d;
  d.add_u32(0x12345678);
  EXPECT_EQ(d.finish(), static_cast<uint16_t>(~(0x1234 + 0x5678)));
  EXPECT_EQ(InternetChecksum().finish(), 0xffff);
}

}  // namespace
}  // namespace ainet::wire
