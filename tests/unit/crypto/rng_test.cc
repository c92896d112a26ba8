// Rng: determinism of DeterministicRng, its definition as the ChaCha20
// keystream under SHA-256(seed), uniform() bounds and rejection sampling.
#include "crypto/rng.h"

#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <deque>
#include <vector>

#include "crypto/cipher.h"
#include "crypto/hmac.h"

namespace ainet::crypto {
namespace {

Bytes take(Rng& r, size_t n) {
  Bytes b(n);
  r.fill(b);
  return b;
}

TEST(DeterministicRng, SameSeedSameBytesDifferentSeedDifferentBytes) {
  DeterministicRng a(42), b(42), c(43);
  const Bytes x = take(a, 100), y = take(b, 100), z = take(c, 100);
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
  // The stream continues; it does not restart per fill.
  EXPECT_NE(take(a, 100), x);
}

TEST(DeterministicRng, SplitFillsContinueOneStream) {
  DeterministicRng a(7), b(7);
  Bytes whole = take(a, 200);
  Bytes parts = take(b, 1);
  for (size_t n : {63u, 64u, 0u, 72u}) {
    Bytes p = take(b, n);
    parts.insert(parts.end(), p.begin(), p.end());
  }
  EXPECT_EQ(parts, whole);
}

TEST(DeterministicRng, IsChaCha20KeystreamUnderSha256OfSeed) {
  // Pins the definition, so simulation runs stay byte-identical across
  // builds: key = SHA-256(seed as 8 big-endian bytes), nonce 0, counter 0.
  const uint64_t seed = 0x0123456789abcdefULL;
  uint8_t seed_be[8];
  store_be64(seed_be, seed);
  uint8_t key[32];
  ASSERT_EQ(sha256({ByteSpan(seed_be)}, key), Errc::ok);
  auto c = Cipher::create(CipherAlg::chacha20, key);
  ASSERT_TRUE(c.ok());
  Bytes zeros(130), ks(130);
  ASSERT_EQ(c.value()->encrypt(Bytes(16), zeros, ks), Errc::ok);
  DeterministicRng r(seed);
  EXPECT_EQ(take(r, 130), ks);
}

TEST(SystemRng, ProducesDifferentBytes) {
  SystemRng r;
  const Bytes a = take(r, 32), b = take(r, 32);
  EXPECT_NE(a, b);
  EXPECT_NE(a, Bytes(32, 0));
}

TEST(SystemRng, SmallFillsFromItsBlockNeverRepeatAcrossRefills) {
  // 16-byte draws (an onion nonce each) across several refills of the
  // block, with odd sizes between them so that refills fall mid-request:
  // no two 16-byte draws are equal, none is all zero.
  SystemRng r;
  std::vector<Bytes> nonces;
  for (size_t i = 0; i < 4 * SystemRng::kBufferSize / 16; ++i) {
    nonces.push_back(take(r, 16));
    if (i % 5 == 0) (void)take(r, i % 3 == 0 ? SystemRng::kBufferedMax : 7);
    if (i % 11 == 0) (void)take(r, SystemRng::kBufferedMax + 1);  // straight to RAND_bytes
  }
  for (size_t i = 0; i < nonces.size(); ++i) {
    EXPECT_NE(nonces[i], Bytes(16, 0)) << i;
    for (size_t j = i + 1; j < nonces.size(); ++j) EXPECT_NE(nonces[i], nonces[j]) << i << " " << j;
  }
}

TEST(SystemRng, ChildAfterForkDoesNotRepeatTheParentsBufferedBytes) {
  // The parent's block holds unused bytes at fork(); without the atfork
  // reset the child would hand out exactly the parent's next bytes.
  SystemRng r;
  (void)take(r, 16);  // fills the block
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const Bytes c = take(r, 32);
    const ssize_t w = write(fds[1], c.data(), c.size());
    _exit(w == 32 ? 0 : 1);
  }
  close(fds[1]);
  Bytes child(32);
  size_t got = 0;
  while (got < child.size()) {
    const ssize_t n = read(fds[0], child.data() + got, child.size() - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fds[0]);
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  ASSERT_EQ(got, child.size());
  const Bytes parent = take(r, 32);
  EXPECT_NE(parent, child);
}

TEST(Rng, U32AndU64AreBigEndianViewsOfTheStream) {
  DeterministicRng a(5), b(5);
  const Bytes raw = take(a, 12);
  EXPECT_EQ(b.u32(), load_be32(raw.data()));
  EXPECT_EQ(b.u64(), load_be64(raw.data() + 4));
}

TEST(Rng, UniformStaysInBounds) {
  DeterministicRng r(99);
  EXPECT_EQ(r.uniform(0), 0u);
  EXPECT_EQ(r.uniform(1), 0u);
  for (uint64_t bound : {2ULL, 3ULL, 6ULL, 1000ULL, (1ULL << 32) + 1, (1ULL << 63) + 1, ~0ULL}) {
    for (int i = 0; i < 2000; ++i) ASSERT_LT(r.uniform(bound), bound) << bound;
  }
  // Every value of a small range shows up, with roughly equal counts.
  int counts[6] = {};
  for (int i = 0; i < 60000; ++i) ++counts[r.uniform(6)];
  for (int c : counts) {
    EXPECT_GT(c, 9000);
    EXPECT_LT(c, 11000);
  }
}

// Replays scripted 64-bit values, to observe the rejection step.
class ScriptedRng final : public Rng {
 public:
  explicit ScriptedRng(std::deque<uint64_t> v) : v_(std::move(v)) {}
  void fill(MutByteSpan out) override {
    ASSERT_EQ(out.size(), 8u);
    ASSERT_FALSE(v_.empty());
    store_be64(out.data(), v_.front());
    v_.pop_front();
  }
  size_t left() const { return v_.size(); }

 private:
  std::deque<uint64_t> v_;
};

TEST(Rng, UniformRejectsTheBiasedLowRange) {
  // bound = 2^63 + 1: 2^64 mod bound = 2^63 - 1, so draws below 2^63 - 1 are
  // rejected (taking them modulo bound would favour small results).
  const uint64_t bound = (1ULL << 63) + 1;
  ScriptedRng r({0, (1ULL << 63) - 2, (1ULL << 63) + 5});
  EXPECT_EQ(r.uniform(bound), ((1ULL << 63) + 5) % bound);
  EXPECT_EQ(r.left(), 0u);
  // The first draw at the threshold is accepted.
  ScriptedRng r2({(1ULL << 63) - 1});
  EXPECT_EQ(r2.uniform(bound), (1ULL << 63) - 1);
}

}  // namespace
}  // namespace ainet::crypto
