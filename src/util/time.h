// Time as a plain value. The sans-I/O core never reads a clock: every entry
// point takes `Time now`, so a simulation can run a virtual clock.
#pragma once
#include <compare>
#include <cstdint>

namespace ainet {

// Nanoseconds since an arbitrary epoch chosen by the caller (monotonic).
struct Time {
  int64_t ns = 0;
  static constexpr Time from_ms(int64_t ms) { return {ms * 1'000'000}; }
  static constexpr Time from_s(int64_t s) { return {s * 1'000'000'000}; }
  static constexpr Time max() { return {INT64_MAX}; }
  constexpr int64_t ms() const { return ns / 1'000'000; }
  friend constexpr auto operator<=>(Time, Time) = default;
};
struct Duration {
  int64_t ns = 0;
  static constexpr Duration ms(int64_t v) { return {v * 1'000'000}; }
  static constexpr Duration s(int64_t v) { return {v * 1'000'000'000}; }
  friend constexpr auto operator<=>(Duration, Duration) = default;
};
constexpr Time operator+(Time t, Duration d) { return {t.ns + d.ns}; }
constexpr Time operator-(Time t, Duration d) { return {t.ns - d.ns}; }
constexpr Duration operator-(Time a, Time b) { return {a.ns - b.ns}; }

}  // namespace ainet
