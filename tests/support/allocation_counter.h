// Counts heap allocations while a measured call runs, for the "nothing on the
// packet path allocates" tests: C++ through a replaced global operator new,
// OpenSSL through CRYPTO_set_mem_functions (installed by a static initializer,
// before OpenSSL's first allocation; OpenSSL refuses hooks after that).
//
// This header DEFINES the replacement operator new/delete, so it goes into
// exactly one .cc of a test binary (one no-allocation test per layer binary).
#pragma once
#include <openssl/crypto.h>

#include <atomic>
#include <cstdlib>
#include <new>

namespace ainet::test {

struct Allocations {
  long cxx = 0, openssl = 0;
  long total() const { return cxx + openssl; }
};

namespace alloc_detail {
inline std::atomic<bool> counting{false};
inline std::atomic<long> cxx{0}, openssl{0};
inline void* counting_malloc(size_t n, const char*, int) {
  if (counting.load(std::memory_order_relaxed)) openssl.fetch_add(1, std::memory_order_relaxed);
  return std::malloc(n);
}
inline void* counting_realloc(void* p, size_t n, const char*, int) {
  if (counting.load(std::memory_order_relaxed)) openssl.fetch_add(1, std::memory_order_relaxed);
  return std::realloc(p, n);
}
inline void counting_free(void* p, const char*, int) {
  std::free(p);
}
inline const bool openssl_hooked =
    CRYPTO_set_mem_functions(counting_malloc, counting_realloc, counting_free) == 1;
}  // namespace alloc_detail

// False if OpenSSL allocated before the hooks went in: then only C++
// allocations are counted (a test should assert this first).
inline bool openssl_allocations_counted() {
  return alloc_detail::openssl_hooked;
}

// Runs f and returns the allocations it made.
template <typename F>
Allocations allocations_during(F&& f) {
  alloc_detail::cxx = 0;
  alloc_detail::openssl = 0;
  alloc_detail::counting = true;
  f();
  alloc_detail::counting = false;
  return {alloc_detail::cxx.load(), alloc_detail::openssl.load()};
}

}  // namespace ainet::test

// The replacements pair malloc with free on purpose; GCC (notably with
// sanitizers) inlines them and reports a new/free mismatch that is not one.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

void* operator new(size_t n) {
  if (ainet::test::alloc_detail::counting.load(std::memory_order_relaxed))
    ainet::test::alloc_detail::cxx.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n != 0 ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  return ::operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
