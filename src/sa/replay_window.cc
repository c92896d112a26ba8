#include "sa/replay_window.h"

#include <algorithm>

#include "wire/esp.h"

namespace ainet::sa {

Result<ReplayWindow> ReplayWindow::create(uint32_t size, bool esn, uint64_t initial_seq) {
  // The ring bitmap is indexed by seq mod size in 64-bit words, so the size
  // must be a whole number of words.
  if (size < 64 || size > kMaxReplayWindow || size % 64 != 0) return Errc::invalid_argument;
  // Without ESN the counter is 32 bits (RFC 4303 §2.2).
  if (!esn && initial_seq > UINT32_MAX) return Errc::invalid_argument;
  ReplayWindow w;
  if (size > 64) w.bits_.heap = new uint64_t[size / 64]();  // value-initialised: all zero
  w.top_ = initial_seq;
  w.floor_ = initial_seq;
  w.size_ = size;
  w.esn_ = esn;
  return w;
}

ReplayWindow::ReplayWindow(ReplayWindow&& o) noexcept
    : bits_(o.bits_), top_(o.top_), floor_(o.floor_), size_(o.size_), esn_(o.esn_) {
  // The source gives up its block and becomes a default-constructed window.
  o.bits_.word = 0;
  o.size_ = 0;
}

ReplayWindow& ReplayWindow::operator=(ReplayWindow&& o) noexcept {
  if (this != &o) {
    if (!inline_bits()) delete[] bits_.heap;
    bits_ = o.bits_;
    top_ = o.top_;
    floor_ = o.floor_;
    size_ = o.size_;
    esn_ = o.esn_;
    o.bits_.word = 0;
    o.size_ = 0;
  }
  return *this;
}

ReplayWindow::~ReplayWindow() {
  if (!inline_bits()) delete[] bits_.heap;
}

bool ReplayWindow::seen(uint64_t seq) const {
  const uint64_t idx = seq % size_;
  return (words()[idx / 64] >> (idx % 64)) & 1U;
}

void ReplayWindow::clear_range(uint64_t first, uint64_t count) {
  uint64_t* const w = words();
  if (count >= size_) {
    std::fill(w, w + size_ / 64, 0);
    return;
  }
  // Clear word by word: at most size_/64 + 1 iterations.
  while (count > 0) {
    const uint64_t idx = first % size_;
    const uint64_t bit = idx % 64;
    const uint64_t n = std::min<uint64_t>(64 - bit, count);
    const uint64_t mask = n == 64 ? ~uint64_t{0} : (((uint64_t{1} << n) - 1) << bit);
    w[idx / 64] &= ~mask;
    first += n;
    count -= n;
  }
}

Result<uint64_t> ReplayWindow::check(uint32_t seq_lo) const {
  if (size_ == 0) return Errc::invalid_argument;  // default-constructed
  uint64_t seq = seq_lo;
  if (esn_) {
    // RFC 4303 Appendix A2.2: the high 32 bits from the window position.
    auto full = wire::esn_infer_seq(seq_lo, top_, size_);
    if (!full) return full.error();
    seq = *full;
  }
  // Only numbers above the agreed start are valid; this also rejects seq 0,
  // which is never sent (RFC 4303 §3.3.3: the first packet carries 1).
  if (seq <= floor_) return Errc::stale;
  if (seq > top_) return seq;                   // new, right of the window
  if (top_ - seq >= size_) return Errc::stale;  // left of the window
  if (seen(seq)) return Errc::replay;           // duplicate inside the window
  return seq;
}

void ReplayWindow::update(uint64_t seq) {
  if (size_ == 0) return;
  if (seq > top_) {
    // Slide right: positions top_+1 .. seq become fresh before marking seq.
    clear_range(top_ + 1, seq - top_);
    top_ = seq;
  } else if (top_ - seq >= size_) {
    return;  // cannot happen after a successful check()
  }
  const uint64_t idx = seq % size_;
  words()[idx / 64] |= uint64_t{1} << (idx % 64);
}

}  // namespace ainet::sa
