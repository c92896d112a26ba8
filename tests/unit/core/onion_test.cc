// TVT data cells (docs/protocol.md "TVT data cell").
#include "core/onion.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "crypto/rng.h"

namespace ainet::core {
namespace {

bool shares_8_bytes(ByteSpan a, ByteSpan b) {
  for (size_t i = 0; i + 8 <= a.size(); ++i)
    for (size_t j = 0; j + 8 <= b.size(); ++j)
      if (std::memcmp(a.data() + i, b.data() + j, 8) == 0) return true;
  return false;
}

void random_key(Secret<32>& s, crypto::Rng& rng) {
  s.resize(32);
  rng.fill(s.mut_span());
}

// k key-holding hops with independent random keys: relays 0..k-2 and the exit.
struct Ant {
  std::vector<HopKeys> keys;
  RouteOnionKeys entrance;
  std::vector<HopOnionKeys> hops;
  ExitOnionKeys exit;
};

Ant make_ant(size_t k, size_t cell_size, crypto::Rng& rng, E2eAead aead = kDefaultE2eAead,
             E2eAead exit_aead = kDefaultE2eAead) {
  Ant a;
  a.keys.resize(k);
  for (auto& h : a.keys)
    for (Secret<32>* s : {&h.fwd_layer, &h.bwd_layer, &h.fwd_prp, &h.bwd_prp, &h.auth, &h.e2e_fwd,
                          &h.e2e_bwd})
      random_key(*s, rng);
  auto e = make_route_onion_keys(a.keys, cell_size, aead);
  EXPECT_TRUE(e.ok());
  a.entrance = std::move(e).value();
  for (size_t h = 0; h + 1 < k; ++h) {
    auto hk = make_hop_onion_keys(a.keys[h], cell_size);
    EXPECT_TRUE(hk.ok());
    a.hops.push_back(std::move(hk).value());
  }
  auto ek = make_exit_onion_keys(a.keys[k - 1], cell_size, exit_aead);
  EXPECT_TRUE(ek.ok());
  a.exit = std::move(ek).value();
  return a;
}

Bytes datagram(size_t n, uint8_t seed) {
  Bytes d(n);
  for (size_t i = 0; i < n; ++i) d[i] = static_cast<uint8_t>(seed + i * 7);
  return d;
}

struct OnionCase {
  size_t hops;
  size_t cell_size;
  E2eAead aead = kDefaultE2eAead;
};

class OnionRoundTrip : public ::testing::TestWithParam<OnionCase> {};

TEST_P(OnionRoundTrip, BothWaysByteIdenticalAndUnlinkable) {
  const auto [k, cs, aead] = GetParam();
  crypto::DeterministicRng rng(k * 100 + cs);
  Ant ant = make_ant(k, cs, rng, aead, aead);
  for (size_t len : {size_t{0}, size_t{1}, size_t{20}, max_cell_datagram(cs)}) {
    const Bytes d = datagram(len, static_cast<uint8_t>(len));
    // Forward.
    Bytes cell(cs);
    ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
    std::vector<Bytes> links{cell};
    for (size_t h = 0; h + 1 < k; ++h) {
      ASSERT_EQ(relay_forward(ant.hops[h], cell), Errc::ok);
      links.push_back(cell);
    }
    for (size_t i = 0; i + 1 < links.size(); ++i) {
      EXPECT_EQ(links[i].size(), cs);
      EXPECT_FALSE(shares_8_bytes(links[i], links[i + 1])) << "fwd link " << i << " len " << len;
    }
    if (len > 8) {
      EXPECT_FALSE(shares_8_bytes(links.front(), d));
    }
    auto opened = open_forward(ant.exit, cell);
    ASSERT_TRUE(opened.ok()) << to_string(opened.error());
    EXPECT_EQ(opened->type, CellType::data);
    EXPECT_EQ(Bytes(opened->datagram.begin(), opened->datagram.end()), d);

    // Backward.
    Bytes back(cs);
    ASSERT_EQ(wrap_backward(ant.exit, CellType::data, d, rng, back), Errc::ok);
    std::vector<Bytes> blinks{back};
    for (size_t h = k - 1; h-- > 0;) {
      ASSERT_EQ(relay_backward(ant.hops[h], back), Errc::ok);
      blinks.push_back(back);
    }
    for (size_t i = 0; i + 1 < blinks.size(); ++i)
      EXPECT_FALSE(shares_8_bytes(blinks[i], blinks[i + 1])) << "bwd link " << i;
    auto got = open_backward(ant.entrance, back);
    ASSERT_TRUE(got.ok()) << to_string(got.error());
    EXPECT_EQ(Bytes(got->datagram.begin(), got->datagram.end()), d);
  }
}

INSTANTIATE_TEST_SUITE_P(Routes, OnionRoundTrip,
                         ::testing::Values(OnionCase{1, 1400}, OnionCase{2, 1400},
                                           OnionCase{4, 1400}, OnionCase{8, 1400},
                                           OnionCase{2, 64}, OnionCase{4, 256},
                                           OnionCase{1, 1400, E2eAead::chacha20_poly1305},
                                           OnionCase{4, 1400, E2eAead::chacha20_poly1305},
                                           OnionCase{2, 64, E2eAead::chacha20_poly1305}));

// NIST SP 800-38D §8.3 (random 96-bit nonces): each e2e key seals at most
// kMaxE2eSeals cells; the next one is refused and nothing is written.
TEST(Onion, E2eKeySealsAtMostTheRandomNonceBound) {
  crypto::DeterministicRng rng(13);
  Ant ant = make_ant(2, 1400, rng);
  const Bytes d = datagram(30, 4);
  Bytes cell(1400);
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
  EXPECT_EQ(ant.entrance.e2e_sealed, 1u);
  ant.entrance.e2e_sealed = kMaxE2eSeals - 1;
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
  Bytes last = cell;
  EXPECT_EQ(wrap_forward(ant.entrance, CellType::dummy, {}, rng, cell), Errc::limit);
  EXPECT_EQ(cell, last);
  ASSERT_EQ(wrap_backward(ant.exit, CellType::data, d, rng, cell), Errc::ok);
  EXPECT_EQ(ant.exit.e2e_sealed, 1u);
  ant.exit.e2e_sealed = kMaxE2eSeals;
  EXPECT_EQ(wrap_backward(ant.exit, CellType::data, d, rng, cell), Errc::limit);
  // Opening is not bounded: what was sealed in time still opens.
  ASSERT_EQ(relay_forward(ant.hops[0], last), Errc::ok);
  auto p = open_forward(ant.exit, last);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Bytes(p->datagram.begin(), p->datagram.end()), d);
}

// The entrance and the exit must use the same e2e AEAD ([ant] e2e_aead): a
// mismatch fails authentication at the far end in both directions (the
// engine drops and counts such cells), it never yields bytes.
TEST(Onion, MismatchedE2eAeadFailsAuthentication) {
  for (auto [ent, ex] : {std::pair{E2eAead::aes256_gcm, E2eAead::chacha20_poly1305},
                         std::pair{E2eAead::chacha20_poly1305, E2eAead::aes256_gcm}}) {
    crypto::DeterministicRng rng(11);
    Ant ant = make_ant(3, 1400, rng, ent, ex);
    const Bytes d = datagram(40, 2);
    Bytes cell(1400);
    ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
    for (auto& h : ant.hops) ASSERT_EQ(relay_forward(h, cell), Errc::ok);
    EXPECT_EQ(open_forward(ant.exit, cell).error(), Errc::auth_failed);
    Bytes back(1400);
    ASSERT_EQ(wrap_backward(ant.exit, CellType::data, d, rng, back), Errc::ok);
    for (size_t h = ant.hops.size(); h-- > 0;) ASSERT_EQ(relay_backward(ant.hops[h], back), Errc::ok);
    EXPECT_EQ(open_backward(ant.entrance, back).error(), Errc::auth_failed);
  }
  // Not an algorithm: refused at set-up.
  crypto::DeterministicRng rng(12);
  Ant ant = make_ant(2, 1400, rng);
  EXPECT_EQ(make_route_onion_keys(ant.keys, 1400, static_cast<E2eAead>(7)).error(),
            Errc::invalid_argument);
  EXPECT_EQ(make_exit_onion_keys(ant.keys[1], 1400, static_cast<E2eAead>(7)).error(),
            Errc::invalid_argument);
}

TEST(Onion, TamperAnywhereFailsAtTheExit) {
  crypto::DeterministicRng rng(1);
  Ant ant = make_ant(4, 1400, rng);
  const Bytes d = datagram(100, 3);
  for (size_t pos : {size_t{0}, size_t{15}, size_t{16}, size_t{500}, size_t{1399}}) {
    for (size_t link = 0; link < 4; ++link) {
      Bytes cell(1400);
      ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
      for (size_t h = 0; h < 3; ++h) {
        if (h == link) cell[pos] ^= 0x04;
        ASSERT_EQ(relay_forward(ant.hops[h], cell), Errc::ok);
      }
      if (link == 3) cell[pos] ^= 0x04;
      EXPECT_EQ(open_forward(ant.exit, cell).error(), Errc::auth_failed) << pos << "/" << link;
    }
  }
  // Backward tamper fails at the entrance.
  Bytes back(1400);
  ASSERT_EQ(wrap_backward(ant.exit, CellType::data, d, rng, back), Errc::ok);
  ASSERT_EQ(relay_backward(ant.hops[2], back), Errc::ok);
  back[700] ^= 1;
  ASSERT_EQ(relay_backward(ant.hops[1], back), Errc::ok);
  ASSERT_EQ(relay_backward(ant.hops[0], back), Errc::ok);
  EXPECT_EQ(open_backward(ant.entrance, back).error(), Errc::auth_failed);
}

TEST(Onion, WrongOrderOrMissingHopFails) {
  crypto::DeterministicRng rng(2);
  Ant ant = make_ant(3, 1400, rng);
  const Bytes d = datagram(10, 1);
  Bytes cell(1400);
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, cell), Errc::ok);
  ASSERT_EQ(relay_forward(ant.hops[0], cell), Errc::ok);  // hop 1 skipped
  EXPECT_EQ(open_forward(ant.exit, cell).error(), Errc::auth_failed);
}

TEST(Onion, DummyCellsAndSizes) {
  crypto::DeterministicRng rng(3);
  Ant ant = make_ant(2, 1400, rng);
  EXPECT_EQ(max_cell_datagram(1400), 1365u);
  Bytes cell(1400);
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::dummy, {}, rng, cell), Errc::ok);
  ASSERT_EQ(relay_forward(ant.hops[0], cell), Errc::ok);
  auto p = open_forward(ant.exit, cell);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->type, CellType::dummy);
  EXPECT_TRUE(p->datagram.empty());
  // Oversize datagram and wrong cell buffer size are refused.
  const Bytes big = datagram(1366, 0);
  EXPECT_EQ(wrap_forward(ant.entrance, CellType::data, big, rng, cell), Errc::invalid_argument);
  EXPECT_EQ(wrap_backward(ant.exit, CellType::data, big, rng, cell), Errc::invalid_argument);
  Bytes short_cell(1399);
  EXPECT_EQ(wrap_forward(ant.entrance, CellType::data, {}, rng, short_cell), Errc::invalid_argument);
  EXPECT_EQ(relay_forward(ant.hops[0], short_cell), Errc::invalid_argument);
  EXPECT_EQ(open_forward(ant.exit, short_cell).error(), Errc::invalid_argument);
  // A relay's keys (HopOnionKeys) cannot open or originate cells at all;
  // exit keys whose e2e AEADs are not keyed refuse to.
  ExitOnionKeys unkeyed;
  EXPECT_EQ(open_forward(unkeyed, cell).error(), Errc::invalid_argument);
  EXPECT_EQ(wrap_backward(unkeyed, CellType::data, {}, rng, cell), Errc::invalid_argument);
  // Bad cell sizes at set-up.
  EXPECT_EQ(make_route_onion_keys(ant.keys, 63).error(), Errc::invalid_argument);
  EXPECT_EQ(make_hop_onion_keys(ant.keys[0], kMaxCellSize + 1).error(), Errc::invalid_argument);
  EXPECT_EQ(make_exit_onion_keys(ant.keys[0], kMinCellSize - 1).error(), Errc::invalid_argument);
  EXPECT_EQ(make_route_onion_keys(std::span<const HopKeys>(), 1400).error(),
            Errc::invalid_argument);
}

TEST(Onion, DatagramAlreadyInsideCell) {
  crypto::DeterministicRng rng(4);
  Ant ant = make_ant(2, 1400, rng);
  const Bytes d = datagram(1365, 9);
  Bytes cell(1400);
  std::memcpy(cell.data() + 19, d.data(), d.size());  // where the engine may stage it
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, ByteSpan(cell).subspan(19, 1365), rng, cell),
            Errc::ok);
  ASSERT_EQ(relay_forward(ant.hops[0], cell), Errc::ok);
  auto p = open_forward(ant.exit, cell);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(Bytes(p->datagram.begin(), p->datagram.end()), d);
}

TEST(Onion, EveryCellLooksFresh) {
  // The same datagram twice gives unrelated cells (random nonce per cell).
  crypto::DeterministicRng rng(5);
  Ant ant = make_ant(3, 1400, rng);
  const Bytes d = datagram(200, 0);
  Bytes a(1400), b(1400);
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, a), Errc::ok);
  ASSERT_EQ(wrap_forward(ant.entrance, CellType::data, d, rng, b), Errc::ok);
  EXPECT_FALSE(shares_8_bytes(a, b));
}

}  // namespace
}  // namespace ainet::core
