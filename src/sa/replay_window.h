// Inbound anti-replay window, RFC 4303 §3.4.3 with 64-bit Extended Sequence
// Numbers per RFC 4303 Appendix A2.
//
// Processing is split in two on purpose: check() runs BEFORE the integrity
// check and never changes state (so a forged packet cannot move the window),
// and update() runs only AFTER the ICV verified (RFC 4303 §3.4.3: "the
// receive window is updated only if the integrity verification succeeds").
//
// The bitmap is a ring of `size` bits; bit (seq mod size) records whether seq
// was received. Only seqs in [top - size + 1, top] are tracked; anything older
// is `stale`. A 64-bit window (RFC 4303 §3.4.3's default) lives inside the
// object; a larger one is one heap block allocated at construction. Every TVT
// holds one inbound window per link, so the inline case saves a 144-byte
// block per inbound TVT SA (issue 10, memory per ANT hop).
#pragma once
#include <cstdint>
#include <memory>

#include "util/result.h"

namespace ainet::sa {

constexpr uint32_t kDefaultReplayWindow = 1024;
constexpr uint32_t kMaxReplayWindow = 65536;

class ReplayWindow {
 public:
  // size: multiple of 64 in [64, kMaxReplayWindow]; esn: 64-bit sequence
  // numbers (RFC 4303 §2.2.1). initial_seq: the highest sequence number the
  // peer is deemed to have sent already (0 for a fresh SA, or the random
  // per-TVT offset agreed in CREATE); only seqs > initial_seq are accepted.
  static Result<ReplayWindow> create(uint32_t size, bool esn, uint64_t initial_seq = 0);
  ReplayWindow() = default;
  ReplayWindow(ReplayWindow&& o) noexcept;
  ReplayWindow& operator=(ReplayWindow&& o) noexcept;
  ReplayWindow(const ReplayWindow&) = delete;
  ReplayWindow& operator=(const ReplayWindow&) = delete;
  ~ReplayWindow();

  // Pre-check of a received (low 32 bits of the) sequence number. Returns the
  // full 64-bit sequence number (inferred per RFC 4303 Appendix A2.2 when ESN
  // is on), or Errc::replay (already seen) / Errc::stale (left of the window
  // or not above initial_seq). Does not change state.
  Result<uint64_t> check(uint32_t seq_lo) const;
  // Marks seq (the value check() returned) as received, sliding the window
  // when seq is new on the right. Call only after the ICV verified.
  void update(uint64_t seq);

  uint64_t top() const { return top_; }
  uint32_t size() const { return size_; }
  bool esn() const { return esn_; }

 private:
  bool seen(uint64_t seq) const;
  void clear_range(uint64_t first, uint64_t count);
  bool inline_bits() const { return size_ <= 64; }
  uint64_t* words() { return inline_bits() ? &bits_.word : bits_.heap; }
  const uint64_t* words() const { return inline_bits() ? &bits_.word : bits_.heap; }

  // size_/64 words: the one word itself when size_ is 64 (or 0, default-
  // constructed), else a bare array allocated once (its size is size_, so a
  // vector's own size and capacity would be 16 bytes per SA for nothing).
  union Bits {
    uint64_t word;
    uint64_t* heap;
  } bits_{.word = 0};
  uint64_t top_ = 0;            // highest authenticated seq (T in RFC 4303 A2)
  uint64_t floor_ = 0;          // seqs <= floor_ are never valid
  uint32_t size_ = 0;           // W
  bool esn_ = false;
};

}  // namespace ainet::sa
