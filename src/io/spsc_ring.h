// SpscRing: a bounded single-producer / single-consumer queue of small
// trivially copyable values (batch handles), for handing work from one
// thread to one other without locks (io/send_pipeline.h).
//
// One thread only ever calls push(), one other only ever calls pop(). The
// producer publishes a slot with a release store of `tail_`; the consumer
// reads it after an acquire load of `tail_`, so everything the producer
// wrote before push() (the batch's packets) is visible to the consumer
// after pop(). Likewise `head_` hands the slot back. The two indices live on
// separate cache lines so the threads do not bounce one line per operation.
// Storage is allocated once, in the constructor.
#pragma once
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <vector>

namespace ainet::io {

template <typename T>
class SpscRing {
  static_assert(std::is_trivially_copyable_v<T>);

 public:
  // Holds up to `capacity` values (rounded up to a power of two).
  explicit SpscRing(size_t capacity) : slots_(round_up(capacity)), mask_(slots_.size() - 1) {}
  SpscRing(const SpscRing&) = delete;
  SpscRing& operator=(const SpscRing&) = delete;

  size_t capacity() const { return slots_.size(); }

  // Producer only. False when full (nothing added).
  bool push(const T& v) {
    const uint64_t tail = tail_.load(std::memory_order_relaxed);
    if (tail - head_.load(std::memory_order_acquire) == slots_.size()) return false;
    slots_[tail & mask_] = v;
    // seq_cst, not only release: the pipeline's sleep/wake handshake reads
    // the other side's "sleeping" flag right after this store (a store-load
    // pair that release/acquire alone does not order).
    tail_.store(tail + 1, std::memory_order_seq_cst);
    return true;
  }

  // Consumer only. False when empty.
  bool pop(T& out) {
    const uint64_t head = head_.load(std::memory_order_relaxed);
    if (tail_.load(std::memory_order_acquire) == head) return false;
    out = slots_[head & mask_];
    head_.store(head + 1, std::memory_order_release);
    return true;
  }

  // Either thread; exact only for the consumer (the producer may add more).
  bool empty() const {
    return tail_.load(std::memory_order_seq_cst) == head_.load(std::memory_order_acquire);
  }

 private:
  static size_t round_up(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
  }

  std::vector<T> slots_;
  size_t mask_;
  alignas(64) std::atomic<uint64_t> head_{0};  // next slot to pop (consumer writes)
  alignas(64) std::atomic<uint64_t> tail_{0};  // next slot to push (producer writes)
};

}  // namespace ainet::io
