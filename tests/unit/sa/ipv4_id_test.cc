// Random outer IPv4 IDs: each ID is two fresh bytes of the Rng (so as uniform
// and unpredictable as the Rng), one Rng call per Rng::kU16Batch IDs of all
// the SAs sharing the Rng, and only SAs that build an outer IPv4 header draw
// from the Rng for them.
#include <gtest/gtest.h>

#include <set>

#include "crypto/rng.h"
#include "sa/security_association.h"
#include "sa_test_support.h"
#include "wire/ip_packet.h"

namespace ainet::sa {
namespace {

using test::make_config;
using test::make_inner_packet;
using test::make_sa;

// Forwards to a DeterministicRng and counts calls and bytes.
class CountingRng final : public crypto::Rng {
 public:
  explicit CountingRng(uint64_t seed) : inner_(seed) {}
  void fill(MutByteSpan out) override {
    ++calls;
    bytes += out.size();
    inner_.fill(out);
  }
  size_t calls = 0, bytes = 0;

 private:
  crypto::DeterministicRng inner_;
};

// The first n big-endian 16-bit words of DeterministicRng(seed).
std::vector<uint16_t> stream_words(uint64_t seed, size_t n) {
  crypto::DeterministicRng rng(seed);
  Bytes b(2 * n);
  rng.fill(b);
  std::vector<uint16_t> w(n);
  for (size_t i = 0; i < n; ++i) w[i] = load_be16(&b[2 * i]);
  return w;
}

constexpr size_t kIds = crypto::Rng::kU16Batch;

TEST(Ipv4Id, IdsAreTheRngStreamOneCallPerBatch) {
  constexpr size_t kDraws = 3 * kIds + 5;
  CountingRng rng(21);
  std::vector<uint16_t> ids;
  for (size_t i = 0; i < kDraws; ++i) {
    ids.push_back(rng.u16_batched());
    // Refilled only when the previous batch is used up.
    EXPECT_EQ(rng.calls, i / kIds + 1) << "draw " << i;
  }
  EXPECT_EQ(rng.bytes, 4 * kIds * 2);
  // Every ID is used once, in stream order: no byte is reused or skipped.
  EXPECT_EQ(ids, stream_words(21, kDraws));
}

TEST(Ipv4Id, IdsSpreadOverTheWholeRange) {
  // With a CSPRNG behind it, 4096 IDs fall evenly into 16 bins of 4096 values
  // (expected 256 each; 5 sigma is ~78) and rarely repeat (birthday bound:
  // ~128 expected collisions in 4096 draws from 65536).
  crypto::DeterministicRng rng(5);
  size_t bins[16] = {};
  std::set<uint16_t> seen;
  for (int i = 0; i < 4096; ++i) {
    const uint16_t id = rng.u16_batched();
    ++bins[id >> 12];
    seen.insert(id);
  }
  for (size_t b : bins) {
    EXPECT_GT(b, 256u - 80u);
    EXPECT_LT(b, 256u + 80u);
  }
  EXPECT_GT(seen.size(), 4096u - 200u);
}

TEST(Ipv4Id, SealedIpv4PacketsCarryFreshIdsFromTheRng) {
  // AES-GCM draws no other randomness (the IV is the sequence number), so the
  // Rng serves exactly the outer IPv4 IDs.
  constexpr size_t kPackets = 300;
  CountingRng rng(77);
  auto tx = make_sa(make_config(Transform::esp_aes256_gcm, 0x500, Framing::ip));
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 100);
  Bytes out(tx->sealed_size(inner.size()));
  std::vector<uint16_t> ids;
  for (size_t i = 0; i < kPackets; ++i) {
    auto n = tx->seal_inner_packet(inner, out, rng);
    ASSERT_TRUE(n) << to_string(n.error());
    auto ip = wire::parse_ip_packet(ByteSpan(out).first(*n));
    ASSERT_TRUE(ip);
    ids.push_back(load_be16(&out[4]));  // RFC 791 §3.1: Identification at offset 4
  }
  EXPECT_EQ(rng.calls, (kPackets + kIds - 1) / kIds);
  EXPECT_EQ(ids, stream_words(77, kPackets));
  // Two SAs (two links of an ANT) sharing the Rng draw disjoint IDs from its
  // stream: the second SA's first packet takes the next unused value.
  auto other = make_sa(make_config(Transform::esp_aes256_gcm, 0x501, Framing::ip));
  auto n = other->seal_inner_packet(inner, out, rng);
  ASSERT_TRUE(n);
  EXPECT_EQ(load_be16(&out[4]), stream_words(77, kPackets + 1)[kPackets]);
  EXPECT_EQ(rng.calls, (kPackets + 1 + kIds - 1) / kIds);
}

TEST(Ipv4Id, OnlyOuterIpv4HeadersDrawIds) {
  const Bytes inner = make_inner_packet(wire::IpFamily::v4, 100);
  for (auto [framing, family] :
       {std::pair{Framing::ip, wire::IpFamily::v6}, std::pair{Framing::udp, wire::IpFamily::v4},
        std::pair{Framing::bare, wire::IpFamily::v4}}) {
    SCOPED_TRACE(static_cast<int>(framing));
    CountingRng rng(1);
    auto tx = make_sa(make_config(Transform::esp_aes128_gcm, 0x600, framing, family));
    Bytes out(tx->sealed_size(inner.size()));
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(tx->seal_inner_packet(inner, out, rng));
    EXPECT_EQ(rng.calls, 0u);
  }
}

}  // namespace
}  // namespace ainet::sa
