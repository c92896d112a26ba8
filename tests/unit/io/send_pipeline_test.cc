// SendPipeline (io/send_pipeline.h) and its SpscRing: batches reach the
// sender whole and in order, the producer waits (never drops) when every
// batch is in flight, stop() sends everything submitted, and the inline
// mode sends at submit(). No test depends on timing for its verdict: waits
// are on the pipeline's own progress, bounded by a generous deadline.
#include "io/send_pipeline.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

namespace ainet::io {
namespace {

// Records every packet as (target, 8-byte sequence number). Touched only by
// the sending side; read by the test after stop()/drain() (happens-after).
class RecordingSender final : public BatchSender {
 public:
  void send_batch(uint32_t target, PacketBatch& b) override {
    while (gate.load(std::memory_order_acquire) == false) std::this_thread::yield();
    ++calls;
    calling_thread = std::this_thread::get_id();
    for (size_t i = 0; i < b.size(); ++i) {
      uint64_t v = 0;
      std::memcpy(&v, b.packet(i).data(), sizeof v);
      seen[target].push_back(v);
    }
  }
  std::atomic<bool> gate{true};  // false: send_batch waits (a stuck socket)
  size_t calls = 0;
  std::thread::id calling_thread;
  std::vector<uint64_t> seen[2];
};

void put(PacketBatch& b, uint64_t v) {
  uint8_t p[16] = {};
  std::memcpy(p, &v, sizeof v);
  ASSERT_TRUE(b.push(ByteSpan(p, sizeof p), SocketAddress{}));
}

TEST(SpscRing, FifoAcrossThreadsAndRefusesWhenFull) {
  SpscRing<uint32_t> r(5);
  EXPECT_EQ(r.capacity(), 8u);  // rounded up to a power of two
  for (uint32_t i = 0; i < 8; ++i) EXPECT_TRUE(r.push(i));
  EXPECT_FALSE(r.push(99));
  uint32_t v = 0;
  for (uint32_t i = 0; i < 8; ++i) {
    ASSERT_TRUE(r.pop(v));
    EXPECT_EQ(v, i);
  }
  EXPECT_FALSE(r.pop(v));
  // One producer thread, one consumer: every value once, in order.
  constexpr uint32_t kN = 200000;
  std::thread producer([&] {
    for (uint32_t i = 0; i < kN;)
      if (r.push(i)) ++i;
  });
  uint32_t next = 0;
  bool ordered = true;
  while (next < kN)
    if (r.pop(v)) ordered = ordered && v == next++;
  producer.join();
  EXPECT_TRUE(ordered);
  EXPECT_TRUE(r.empty());
}

TEST(SendPipeline, InlineModeSendsAtSubmitOnTheCallersThread) {
  RecordingSender s;
  SendPipeline p(s, 1, 4, 64);
  EXPECT_FALSE(p.threaded());
  for (uint64_t round = 0; round < 3; ++round) {
    PacketBatch& b = p.acquire();  // one batch: it must come back at once
    put(b, round);
    p.submit(1, b);
    EXPECT_EQ(s.seen[1].size(), round + 1);
  }
  EXPECT_EQ(s.calling_thread, std::this_thread::get_id());
  // An empty batch is handed back without a send.
  p.submit(0, p.acquire());
  EXPECT_EQ(s.calls, 3u);
}

// Many batches of varying fill to two targets through the thread: every
// packet arrives once, in the order queued, per target; the sends ran on
// another thread; nothing was allocated on the way (same pool throughout).
TEST(SendPipeline, ThreadKeepsOrderPerTargetAndDeliversEverything) {
  RecordingSender s;
  SendPipeline p(s, 4, 8, 64);
  p.start();
  EXPECT_TRUE(p.threaded());
  constexpr uint64_t kBatches = 20000;
  uint64_t next[2] = {0, 0};
  for (uint64_t i = 0; i < kBatches; ++i) {
    const uint32_t target = (i * 7 / 3) % 2;
    PacketBatch& b = p.acquire();
    ASSERT_EQ(b.size(), 0u);  // comes back cleared
    const size_t n = 1 + i % 8;
    for (size_t k = 0; k < n; ++k) put(b, next[target]++);
    p.submit(target, b);
  }
  p.drain();
  for (int t = 0; t < 2; ++t) {
    ASSERT_EQ(s.seen[t].size(), next[t]);
    bool ordered = true;
    for (uint64_t k = 0; k < next[t]; ++k) ordered = ordered && s.seen[t][k] == k;
    EXPECT_TRUE(ordered) << "target " << t;
  }
  EXPECT_NE(s.calling_thread, std::this_thread::get_id());
  EXPECT_EQ(p.stats().batches, kBatches);
  p.stop();
  EXPECT_FALSE(p.threaded());
}

// Every batch in flight and the sender stuck: acquire() waits instead of
// dropping, and goes on once the sender moves again.
TEST(SendPipeline, ProducerWaitsForAFreeBatchAndDropsNothing) {
  RecordingSender s;
  SendPipeline p(s, 2, 4, 64);
  p.start();
  s.gate.store(false);
  std::atomic<int> stage{0};
  std::thread producer([&] {  // the pipeline's producer from here on
    for (uint64_t i = 0; i < 3; ++i) {
      PacketBatch& b = p.acquire();  // the third waits: both batches are out
      stage.store(static_cast<int>(i) + 1);
      put(b, i);
      p.submit(0, b);
    }
    p.drain();
  });
  // The producer gets two batches and then must stay blocked while the
  // sender is stuck (checked for a while: a wrong pipeline would hand out a
  // third batch or return from drain()).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (stage.load() < 2 && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  ASSERT_EQ(stage.load(), 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(stage.load(), 2);
  EXPECT_TRUE(s.seen[0].empty());
  s.gate.store(true, std::memory_order_release);
  producer.join();
  EXPECT_EQ(stage.load(), 3);
  ASSERT_EQ(s.seen[0].size(), 3u);
  for (uint64_t i = 0; i < 3; ++i) EXPECT_EQ(s.seen[0][i], i);
  EXPECT_GE(p.stats().producer_waits, 1u);
}

// stop() right after a burst: everything submitted is sent before the
// thread ends, and the pipeline still sends (inline) afterwards.
TEST(SendPipeline, StopDrainsEverythingSubmitted) {
  RecordingSender s;
  uint64_t queued = 0;
  {
    SendPipeline p(s, 8, 64, 64);
    p.start();
    for (int i = 0; i < 1000; ++i) {
      PacketBatch& b = p.acquire();
      while (!b.full()) put(b, queued++);
      p.submit(0, b);
    }
    p.stop();
    EXPECT_EQ(s.seen[0].size(), queued);
    PacketBatch& b = p.acquire();
    put(b, queued++);
    p.submit(0, b);
    EXPECT_EQ(s.seen[0].size(), queued);
    // The destructor with the thread running drains too.
    p.start();
    PacketBatch& c = p.acquire();
    put(c, queued++);
    p.submit(0, c);
  }
  EXPECT_EQ(s.seen[0].size(), queued);
}

// The sleeping consumer is woken by a submit after going idle (each submit
// waits for its batch, so the consumer sleeps in between most of them).
TEST(SendPipeline, WakesASleepingConsumer) {
  RecordingSender s;
  SendPipeline p(s, 2, 4, 64);
  p.start();
  for (uint64_t i = 0; i < 200; ++i) {
    PacketBatch& b = p.acquire();
    put(b, i);
    p.submit(1, b);
    p.drain();
    ASSERT_EQ(s.seen[1].size(), i + 1);
  }
  EXPECT_GE(p.stats().wakeups, 1u);
}

// Latency: with the send thread idle, a small batch goes out on the
// producer's thread at submit(); a larger one, or one behind others still in
// flight, goes to the thread. Order holds across the switches.
TEST(SendPipeline, SmallBatchesWhileIdleGoInline) {
  RecordingSender s;
  SendPipeline p(s, 4, 8, 64);
  p.set_inline_max(2);
  p.start();
  PacketBatch& a = p.acquire();
  put(a, 0);
  p.submit(0, a);  // idle, 1 packet: inline
  EXPECT_EQ(s.calling_thread, std::this_thread::get_id());
  ASSERT_EQ(s.seen[0].size(), 1u);
  EXPECT_EQ(p.stats().inline_sends, 1u);
  s.gate.store(false);
  PacketBatch& b = p.acquire();
  for (uint64_t v = 1; v <= 3; ++v) put(b, v);
  p.submit(0, b);  // 3 packets: the thread (stuck at the gate)
  PacketBatch& c = p.acquire();
  put(c, 4);
  p.submit(0, c);  // small, but b is in flight: the thread too, after b
  EXPECT_EQ(p.stats().inline_sends, 1u);
  s.gate.store(true, std::memory_order_release);
  p.drain();
  EXPECT_NE(s.calling_thread, std::this_thread::get_id());
  PacketBatch& d = p.acquire();
  put(d, 5);
  p.submit(0, d);  // idle again: inline
  EXPECT_EQ(p.stats().inline_sends, 2u);
  ASSERT_EQ(s.seen[0].size(), 6u);
  for (uint64_t v = 0; v < 6; ++v) EXPECT_EQ(s.seen[0][v], v);
}

}  // namespace
}  // namespace ainet::io
