// Argument checks shared by the EVP wrappers. OpenSSL's EVP update calls take
// int lengths and behave badly on partially overlapping buffers, so every
// wrapper rejects those inputs up front with Errc::invalid_argument instead of
// handing them to OpenSSL.
#pragma once
#include <climits>
#include <cstddef>
#include <cstdint>
#include <functional>

namespace ainet::crypto::detail {

inline bool fits_int(size_t n) {
  return n <= static_cast<size_t>(INT_MAX);
}

// Exact aliasing (in-place) is allowed by every EVP cipher; any other overlap
// is not. std::less gives a total order on unrelated pointers.
inline bool partially_overlaps(const uint8_t* out, const uint8_t* in, size_t n) {
  if (n == 0 || out == in) return false;
  std::less<const uint8_t*> lt;
  return lt(out, in + n) && lt(in, out + n);
}

}  // namespace ainet::crypto::detail
