// Per-hop handshake and CREATE/CREATED blobs (docs/protocol.md "Per-hop handshake").
#include "core/handshake.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "crypto/rng.h"

namespace ainet::core {
namespace {

using wire::kCreateBlobSize;
using wire::kCreatedBlobSize;
using Blob = std::array<uint8_t, kCreateBlobSize>;
using CreatedBlob = std::array<uint8_t, kCreatedBlobSize>;

bool same(const Secret<32>& a, const Secret<32>& b) {
  return a.size() == 32 && b.size() == 32 && std::memcmp(a.data(), b.data(), 32) == 0;
}
bool same_keys(const HopKeys& a, const HopKeys& b) {
  return same(a.fwd_layer, b.fwd_layer) && same(a.bwd_layer, b.bwd_layer) &&
         same(a.fwd_prp, b.fwd_prp) && same(a.bwd_prp, b.bwd_prp) && same(a.auth, b.auth) &&
         same(a.e2e_fwd, b.e2e_fwd) && same(a.e2e_bwd, b.e2e_bwd);
}
bool shares_8_bytes(ByteSpan a, ByteSpan b) {
  for (size_t i = 0; i + 8 <= a.size(); ++i)
    for (size_t j = 0; j + 8 <= b.size(); ++j)
      if (std::memcmp(a.data() + i, b.data() + j, 8) == 0) return true;
  return false;
}

struct Route {
  std::vector<crypto::X25519KeyPair> onion;
  std::vector<HopTarget> targets;
  std::vector<HopInfo> infos;
};

Route make_route(size_t k, crypto::Rng& rng) {
  Route r;
  for (size_t h = 0; h < k; ++h) {
    r.onion.push_back(crypto::x25519_generate(rng));
    HopInfo info;
    info.kind = h + 1 == k ? HopKind::exit : HopKind::relay;
    info.next = h + 1 == k ? 0 : static_cast<uint32_t>(100 + h);
    info.hard_lifetime_s = 3600;
    info.inactivity_s = static_cast<uint32_t>(120 + h);
    r.infos.push_back(info);
    r.targets.push_back({r.onion.back().pub, encode_hop_info(info)});
  }
  return r;
}

class HandshakeRoundTrip : public ::testing::TestWithParam<size_t> {};

TEST_P(HandshakeRoundTrip, EntranceAndHopsDeriveIdenticalKeys) {
  const size_t k = GetParam();
  crypto::DeterministicRng rng(1000 + k);
  Route route = make_route(k, rng);
  EntranceHandshake state;
  Blob blob;
  ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);

  std::vector<CreateProcessed> at_hop(k);
  std::vector<Blob> on_link{blob};
  for (size_t h = 0; h < k; ++h) {
    Blob out;
    ASSERT_EQ(process_create(route.onion[h], blob, rng, at_hop[h], out), Errc::ok) << "hop " << h;
    EXPECT_EQ(at_hop[h].info, route.targets[h].info);
    auto info = decode_hop_info(at_hop[h].info);
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(*info, route.infos[h]);
    blob = out;
    on_link.push_back(blob);
  }
  // CREATE looks fresh on every link: no 8-byte run of one link's blob
  // reappears on the next (each hop re-encrypts and shifts).
  for (size_t i = 0; i + 1 < on_link.size(); ++i)
    EXPECT_FALSE(shares_8_bytes(on_link[i], on_link[i + 1])) << "link " << i;

  CreatedBlob created;
  ASSERT_EQ(start_created(at_hop[k - 1].reply, rng, created), Errc::ok);
  for (size_t h = k - 1; h-- > 0;) ASSERT_EQ(wrap_created(at_hop[h].reply, created), Errc::ok);

  std::vector<HopKeys> keys(k);
  ASSERT_EQ(open_created(state, created, keys), Errc::ok);
  for (size_t h = 0; h < k; ++h) {
    EXPECT_TRUE(same_keys(keys[h], at_hop[h].keys)) << "hop " << h;
    if (h) {
      EXPECT_FALSE(same(keys[h].fwd_layer, keys[h - 1].fwd_layer));
    }
  }
  // The entrance state is wiped after use.
  EXPECT_EQ(state.hop_count, 0u);
  for (const auto& hs : state.hops) EXPECT_TRUE(hs.x.empty());
}

INSTANTIATE_TEST_SUITE_P(Hops, HandshakeRoundTrip, ::testing::Values(1, 2, 3, 4, 8));

TEST(Handshake, TamperedSlotRejectedAtThatHop) {
  for (size_t target = 0; target < 3; ++target) {
    crypto::DeterministicRng rng(7 + target);
    Route route = make_route(3, rng);
    EntranceHandshake state;
    Blob blob;
    ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);
    // Hop `target`'s slot sits at [112*target, 112*target+112) under the
    // earlier hops' CTR layers, which carry a bit flip through unchanged.
    blob[112 * target + 40] ^= 0x01;
    for (size_t h = 0; h <= target; ++h) {
      CreateProcessed p;
      Blob out;
      const Errc e = process_create(route.onion[h], blob, rng, p, out);
      if (h < target) {
        ASSERT_EQ(e, Errc::ok) << h;
        blob = out;
      } else {
        EXPECT_EQ(e, Errc::auth_failed) << h;
      }
    }
  }
}

TEST(Handshake, WrongOnionKeyOrSmallOrderXRejected) {
  crypto::DeterministicRng rng(3);
  Route route = make_route(2, rng);
  EntranceHandshake state;
  Blob blob;
  ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);
  CreateProcessed p;
  Blob out;
  EXPECT_EQ(process_create(route.onion[1], blob, rng, p, out), Errc::auth_failed);
  Blob zero_x = blob;
  std::memset(zero_x.data(), 0, 32);  // small-order point (RFC 7748 §6.1)
  EXPECT_EQ(process_create(route.onion[0], zero_x, rng, p, out), Errc::auth_failed);
  // Tag tamper.
  Blob bad_tag = blob;
  bad_tag[111] ^= 0x80;
  EXPECT_EQ(process_create(route.onion[0], bad_tag, rng, p, out), Errc::auth_failed);
  EXPECT_EQ(process_create(route.onion[0], blob, rng, p, out), Errc::ok);
}

TEST(Handshake, InPlaceProcessingMatchesOutOfPlace) {
  crypto::DeterministicRng r1(5), r2(5);
  crypto::DeterministicRng setup(9);
  Route route = make_route(3, setup);
  EntranceHandshake state;
  Blob blob;
  ASSERT_EQ(build_create(route.targets, setup, state, blob), Errc::ok);
  CreateProcessed a, b;
  Blob out, inplace = blob;
  ASSERT_EQ(process_create(route.onion[0], blob, r1, a, out), Errc::ok);
  ASSERT_EQ(process_create(route.onion[0], inplace, r2, b, inplace), Errc::ok);
  EXPECT_EQ(out, inplace);
  EXPECT_TRUE(same_keys(a.keys, b.keys));
  // Partially overlapping buffers are refused.
  std::array<uint8_t, kCreateBlobSize + 8> big{};
  EXPECT_EQ(process_create(route.onion[0], ByteSpan(big).first(kCreateBlobSize), r1, a,
                           MutByteSpan(big).subspan(8)),
            Errc::invalid_argument);
}

TEST(Handshake, CreatedTamperDetectedAtTheRightHop) {
  for (size_t target = 0; target < 3; ++target) {
    for (size_t field_off : {0u, 32u, 48u}) {  // Y, auth, status
      crypto::DeterministicRng rng(50 + target * 3 + field_off);
      Route route = make_route(3, rng);
      EntranceHandshake state;
      Blob blob;
      ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);
      std::vector<CreateProcessed> at_hop(3);
      for (size_t h = 0; h < 3; ++h)
        ASSERT_EQ(process_create(route.onion[h], blob, rng, at_hop[h], blob), Errc::ok);
      CreatedBlob created;
      ASSERT_EQ(start_created(at_hop[2].reply, rng, created), Errc::ok);
      for (size_t h = 2; h-- > 0;) ASSERT_EQ(wrap_created(at_hop[h].reply, created), Errc::ok);
      created[64 * target + field_off + (field_off == 48 ? 0 : 3)] ^= 0x10;
      std::vector<HopKeys> keys(3);
      size_t failed = 99;
      EXPECT_EQ(open_created(state, created, keys, &failed), Errc::auth_failed);
      EXPECT_EQ(failed, target);
      EXPECT_EQ(state.hop_count, 0u);
    }
  }
}

TEST(Handshake, CreatedSlotsNeverInClear) {
  crypto::DeterministicRng rng(77);
  Route route = make_route(2, rng);
  EntranceHandshake state;
  Blob blob;
  ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);
  std::vector<CreateProcessed> at_hop(2);
  for (size_t h = 0; h < 2; ++h)
    ASSERT_EQ(process_create(route.onion[h], blob, rng, at_hop[h], blob), Errc::ok);
  CreatedBlob created;
  ASSERT_EQ(start_created(at_hop[1].reply, rng, created), Errc::ok);
  // The exit's Y is not visible on its link (the exit adds its layer too).
  EXPECT_FALSE(shares_8_bytes(created, at_hop[1].reply.y_pub));
  ASSERT_EQ(wrap_created(at_hop[0].reply, created), Errc::ok);
  EXPECT_FALSE(shares_8_bytes(created, at_hop[0].reply.y_pub));
  EXPECT_FALSE(shares_8_bytes(created, at_hop[1].reply.y_pub));
}

// Forward secrecy: the hop keys depend on the hop's ephemeral y, so the same
// CREATE (same x) answered with a different y yields different keys, and the
// static onion key alone does not determine them.
TEST(Handshake, HopKeysDependOnEphemeralY) {
  crypto::DeterministicRng setup(11);
  Route route = make_route(1, setup);
  EntranceHandshake state;
  Blob blob;
  ASSERT_EQ(build_create(route.targets, setup, state, blob), Errc::ok);
  EntranceHandshake state2 = state;
  crypto::DeterministicRng ra(1), rb(2);
  CreateProcessed a, b;
  Blob out;
  ASSERT_EQ(process_create(route.onion[0], blob, ra, a, out), Errc::ok);
  ASSERT_EQ(process_create(route.onion[0], blob, rb, b, out), Errc::ok);
  EXPECT_NE(a.reply.y_pub, b.reply.y_pub);
  EXPECT_FALSE(same(a.keys.fwd_layer, b.keys.fwd_layer));
  EXPECT_FALSE(same(a.keys.e2e_fwd, b.keys.e2e_fwd));
  EXPECT_FALSE(same(a.keys.auth, b.keys.auth));
  // The CREATE layer (not forward-secret) is the same: it depends on x and b only.
  EXPECT_TRUE(same(a.reply.stream_key, b.reply.stream_key));
  // Each answer verifies at the entrance and yields that answer's keys.
  for (auto* p : {&a, &b}) {
    EntranceHandshake s = p == &a ? state : state2;
    CreatedBlob created;
    ASSERT_EQ(start_created(p->reply, setup, created), Errc::ok);
    HopKeys k;
    ASSERT_EQ(open_created(s, created, std::span<HopKeys>(&k, 1)), Errc::ok);
    EXPECT_TRUE(same_keys(k, p->keys));
  }
}

TEST(Handshake, CreateBlobLengthEqualAtEveryHopAndBadSizes) {
  crypto::DeterministicRng rng(21);
  Route route = make_route(8, rng);
  EntranceHandshake state;
  std::array<uint8_t, kCreateBlobSize + 1> big{};
  EXPECT_EQ(build_create(route.targets, rng, state, big), Errc::invalid_argument);
  Blob blob;
  EXPECT_EQ(build_create(std::span<const HopTarget>(), rng, state, blob), Errc::invalid_argument);
  std::vector<HopTarget> nine = route.targets;
  nine.push_back(nine.back());
  EXPECT_EQ(build_create(nine, rng, state, blob), Errc::invalid_argument);
  ASSERT_EQ(build_create(route.targets, rng, state, blob), Errc::ok);
  CreateProcessed p;
  EXPECT_EQ(process_create(route.onion[0], ByteSpan(blob).first(895), rng, p, blob),
            Errc::invalid_argument);
  // Every hop sees and forwards exactly kCreateBlobSize bytes (the API is
  // fixed-size); the 8th hop still finds its slot.
  for (size_t h = 0; h < 8; ++h) ASSERT_EQ(process_create(route.onion[h], blob, rng, p, blob), Errc::ok);
  EXPECT_EQ(decode_hop_info(p.info)->kind, HopKind::exit);
}

TEST(HopInfo, EncodeDecode) {
  HopInfo i{HopKind::exit, kHopFlagResponder, 0xdeadbeef, 7, 9};
  HopInfoBytes b = encode_hop_info(i);
  EXPECT_EQ(b[0], 1);
  EXPECT_EQ(b[1], 1);
  EXPECT_EQ(load_be32(&b[4]), 0xdeadbeefu);
  EXPECT_EQ(load_be32(&b[8]), 7u);
  EXPECT_EQ(load_be32(&b[12]), 9u);
  for (size_t j = 16; j < 64; ++j) EXPECT_EQ(b[j], 0);
  EXPECT_EQ(*decode_hop_info(b), i);
  HopInfoBytes bad = b;
  bad[0] = 2;
  EXPECT_EQ(decode_hop_info(bad).error(), Errc::malformed);
  bad = b;
  bad[1] = 0x02;
  EXPECT_EQ(decode_hop_info(bad).error(), Errc::malformed);
}

}  // namespace
}  // namespace ainet::core
