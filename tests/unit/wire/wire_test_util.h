// Small helpers shared by the wire unit tests.
#pragma once
#include <gtest/gtest.h>

#include <string_view>

#include "util/bytes.h"

namespace ainet::wire::test {

// Hex literal to bytes; fails the test on bad hex.
inline Bytes hex(std::string_view s) {
  auto r = from_hex(s);
  EXPECT_TRUE(r.ok()) << "bad hex in test: " << s;
  return r.ok() ? std::move(r).value() : Bytes{};
}

// An IPv4 ICMP echo captured on Linux 6.18 loopback (AF_PACKET on lo, `ping
// -c1 -s 16 127.0.0.1`); the kernel computed its IPv4 header and ICMP
// checksums in software, so it is an independent reference for ours.
inline const char* const kKernelIcmpEcho4 =
    "4500002c920340004001aacb7f0000017f000001"
    "08005ccc23c000011b870a6b000000005180000000000000";

// Calls parse(prefix) for every strict prefix of `whole` (each copied into its
// own exactly-sized heap buffer so that AddressSanitizer catches any read past
// the end) and expects every call to fail.
template <typename Parse>
void expect_every_prefix_fails(const Bytes& whole, Parse parse) {
  for (size_t n = 0; n < whole.size(); ++n) {
    Bytes prefix(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_FALSE(parse(ByteSpan(prefix))) << "prefix of length " << n << " was accepted";
  }
}

}  // namespace ainet::wire::test
