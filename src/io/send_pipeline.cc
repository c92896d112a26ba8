#include "io/send_pipeline.h"

namespace ainet::io {

SendPipeline::SendPipeline(BatchSender& sender, size_t batches, size_t slots, size_t slot_size)
    : sender_(sender), free_(batches ? batches : 1), full_(batches ? batches : 1) {
  // Both rings hold every batch at once, so push() never finds them full.
  pool_.reserve(batches ? batches : 1);
  for (size_t i = 0; i < (batches ? batches : 1); ++i) {
    pool_.emplace_back(slots, slot_size);
    (void)free_.push(static_cast<uint32_t>(i));
  }
}

SendPipeline::~SendPipeline() {
  stop();
}

void SendPipeline::start() {
  if (thread_.joinable()) return;
  stopping_.store(false, std::memory_order_relaxed);
  thread_ = std::thread([this] { run(); });
}

PacketBatch& SendPipeline::acquire() {
  uint32_t id = 0;
  if (!free_.pop(id)) {
    // Every batch is in flight (only possible with the thread): wait for one.
    wait_for_consumer([this] { return !free_.empty(); });
    (void)free_.pop(id);
  }
  return pool_[id];
}

void SendPipeline::submit(uint32_t target, PacketBatch& batch) {
  ++submitted_;
  ++stats_.batches;
  const uint32_t id = id_of(batch);
  if (!threaded()) {
    send_now(target, id);
    return;
  }
  // Idle (every earlier batch sent, and the send thread's writes visible
  // through completed_): a small batch goes now, on this thread. The send
  // thread cannot be sending meanwhile: it only sends what this thread
  // pushes, and the next push orders this send before its own.
  if (batch.size() <= inline_max_ && completed_.load(std::memory_order_acquire) == submitted_ - 1) {
    ++stats_.inline_sends;
    send_now(target, id);
    return;
  }
  (void)full_.push(Full{id, target});  // never full: it can hold every batch
  wake_consumer();
}

void SendPipeline::send_now(uint32_t target, uint32_t id) {
  PacketBatch& b = pool_[id];
  if (b.size() > 0) sender_.send_batch(target, b);
  b.clear();
  // Inline (no thread), this thread is both ends of free_: fine for an SPSC
  // ring, the two ends are simply never concurrent.
  (void)free_.push(id);
  completed_.fetch_add(1, std::memory_order_seq_cst);
}

void SendPipeline::wake_consumer() {
  // Pairs with run(): the push above (seq_cst store) and this load, against
  // the consumer's flag store and its emptiness check, cannot both miss.
  if (!consumer_sleeping_.load(std::memory_order_seq_cst)) return;
  consumer_word_.fetch_add(1, std::memory_order_release);
  consumer_word_.notify_one();
  ++stats_.wakeups;
}

template <typename Done>
void SendPipeline::wait_for_consumer(Done done) {
  for (;;) {
    if (done()) return;
    const uint32_t word = producer_word_.load(std::memory_order_acquire);
    producer_waiting_.store(true, std::memory_order_seq_cst);
    if (done()) {
      producer_waiting_.store(false, std::memory_order_relaxed);
      return;
    }
    ++stats_.producer_waits;
    producer_word_.wait(word, std::memory_order_acquire);
    producer_waiting_.store(false, std::memory_order_relaxed);
  }
}

void SendPipeline::drain() {
  if (!threaded()) return;  // inline sends are done when submit() returns
  wait_for_consumer([this] { return completed_.load(std::memory_order_seq_cst) == submitted_; });
}

void SendPipeline::stop() {
  if (!thread_.joinable()) return;
  drain();
  stopping_.store(true, std::memory_order_seq_cst);
  consumer_word_.fetch_add(1, std::memory_order_release);
  consumer_word_.notify_one();
  thread_.join();
}

void SendPipeline::run() {
  for (;;) {
    Full item{};
    if (full_.pop(item)) {
      send_now(item.target, item.id);
      // Pairs with wait_for_consumer(): free_'s push and completed_ are
      // seq_cst stores before this seq_cst load.
      if (producer_waiting_.load(std::memory_order_seq_cst)) {
        producer_word_.fetch_add(1, std::memory_order_release);
        producer_word_.notify_one();
      }
      continue;
    }
    const uint32_t word = consumer_word_.load(std::memory_order_acquire);
    consumer_sleeping_.store(true, std::memory_order_seq_cst);
    if (!full_.empty()) {
      consumer_sleeping_.store(false, std::memory_order_relaxed);
      continue;
    }
    // stop() sets this only after drain(): nothing is left to send.
    if (stopping_.load(std::memory_order_seq_cst)) return;
    consumer_word_.wait(word, std::memory_order_acquire);
    consumer_sleeping_.store(false, std::memory_order_relaxed);
  }
}

}  // namespace ainet::io
