// SendPipeline: moves the send system calls (sendmmsg, UDP GSO sends) off
// the thread that runs the engine, onto one send (TX) thread of their own
// (docs/send-thread.md). On veth and loopback a send runs much of the
// receiver's network stack inside the sender's system call, so on a busy
// node the sends are a large share of its CPU; a second thread lets the
// second core do that work while the engine seals/opens the next batch.
//
// Shape: a pool of PacketBatch-es, all allocated in the constructor, and two
// single-producer/single-consumer rings of batch handles (io/spsc_ring.h):
//   engine thread (producer)                 TX thread (consumer)
//     acquire() -> an empty batch   <-free--   batch sent, cleared
//     fill it (queue packets)
//     submit(target, batch)         --full->   sender.send_batch(target, batch)
// Handover is per batch, never per packet: the per-packet path touches no
// atomic and no lock. Nothing is allocated after construction.
//
// Order: one consumer takes full batches in FIFO order and sends each
// batch's packets in order, so packets to one destination leave in the order
// they were queued (an SA's sequence numbers stay in order on the wire).
//
// Wake-ups: the consumer sleeps (futex, std::atomic::wait) only after it
// said so in `consumer_sleeping_` and found the ring still empty; the
// producer notifies only when it sees that flag, so a busy pipeline makes no
// wake-up system calls. The producer's waits are symmetric.
//
// Backpressure: when every batch is in flight, acquire() waits for the
// consumer to return one instead of dropping packets. The wait is bounded:
// the consumer never blocks (the sockets are non-blocking; a full socket
// buffer drops and counts, io/batch_syscalls.h), so it always returns a
// batch within one batch's send time. Dropping here instead would lose
// packets the kernel could still have taken, and the engine would have to
// count a drop that is not congestion.
//
// Latency: a wake-up costs the sleeping thread a scheduler round trip (tens
// of microseconds on each hop of an ANT). So a small batch (at most
// `inline_max` packets, set_inline_max) submitted while the send thread is
// idle, everything before it sent, is sent at once on the producer's thread
// instead: a lone ping does not pay the wake-up, a busy node still hands
// its full batches over. Order holds: nothing is in flight then, and the
// next handover happens after this send (the ring's release/acquire).
//
// Without a thread (the default before start(), and the mode when the
// daemon is configured without one) submit() sends at once on the calling
// thread, so both modes share every line of the send path.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <vector>

#include "io/packet_batch.h"
#include "io/spsc_ring.h"

namespace ainet::io {

// Sends one batch. Never two calls at once: with a thread, on the TX thread,
// or on the producer's for an inline send while the TX thread is idle (each
// call happens-after the previous one). What it touches must not be touched
// by the producer otherwise.
class BatchSender {
 public:
  virtual ~BatchSender() = default;
  virtual void send_batch(uint32_t target, PacketBatch& batch) = 0;
};

struct SendPipelineStats {
  uint64_t batches = 0;         // submitted
  uint64_t producer_waits = 0;  // acquire()/drain() had to sleep (backpressure)
  uint64_t wakeups = 0;         // notifications sent to a sleeping consumer
  uint64_t inline_sends = 0;    // small batches sent on the producer's thread (idle pipeline)
};

class SendPipeline {
 public:
  // `batches` batches of `slots` x `slot_size`; the sender must outlive the
  // pipeline. With a thread, keep at least 2 batches per target that fills
  // one at a time, so the producer fills while the consumer sends.
  SendPipeline(BatchSender& sender, size_t batches, size_t slots = PacketBatch::kDefaultSlots,
               size_t slot_size = PacketBatch::kDefaultSlotSize);
  ~SendPipeline();  // stop()
  SendPipeline(const SendPipeline&) = delete;
  SendPipeline& operator=(const SendPipeline&) = delete;

  // Starts the TX thread (producer thread, once). Call it after the process
  // dropped its privileges: capabilities are per thread (io/privileges.h).
  void start();
  bool threaded() const { return thread_.joinable(); }
  // Batches of at most `n` packets go out on the producer's thread when the
  // send thread is idle (see above); 0: always hand over. Producer thread.
  void set_inline_max(size_t n) { inline_max_ = n; }

  // --- Producer thread only. ---
  // An empty batch to fill; waits while every batch is in flight.
  PacketBatch& acquire();
  // Hands `batch` (from acquire(); an empty one just comes back) over to be
  // sent to `target` (the sender's meaning); the producer must not touch it
  // again.
  void submit(uint32_t target, PacketBatch& batch);
  // Waits until every submitted batch has been sent.
  void drain();
  // drain(), then stops and joins the thread (idempotent). The pipeline
  // keeps working without a thread afterwards.
  void stop();
  SendPipelineStats stats() const { return stats_; }

 private:
  struct Full {
    uint32_t id;
    uint32_t target;
  };
  uint32_t id_of(const PacketBatch& b) const { return static_cast<uint32_t>(&b - pool_.data()); }
  void send_now(uint32_t target, uint32_t id);
  void run();  // the TX thread
  template <typename Done>
  void wait_for_consumer(Done done);
  void wake_consumer();

  BatchSender& sender_;
  std::vector<PacketBatch> pool_;
  SpscRing<uint32_t> free_;  // consumer -> producer (producer pops)
  SpscRing<Full> full_;      // producer -> consumer (consumer pops)
  std::thread thread_;
  // Producer-only state.
  uint64_t submitted_ = 0;
  size_t inline_max_ = 0;
  SendPipelineStats stats_;
  // Shared: the handshake words (see the header comment).
  alignas(64) std::atomic<uint64_t> completed_{0};  // batches sent (consumer writes)
  std::atomic<bool> producer_waiting_{false};
  std::atomic<uint32_t> producer_word_{0};
  alignas(64) std::atomic<bool> consumer_sleeping_{false};
  std::atomic<uint32_t> consumer_word_{0};
  std::atomic<bool> stopping_{false};
};

}  // namespace ainet::io
