// Key material that is wiped when it goes away. OPENSSL_cleanse is used rather
// than memset because the compiler may not elide it.
#pragma once
#include <openssl/crypto.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

namespace ainet {

inline void secure_zero(void* p, size_t n) { OPENSSL_cleanse(p, n); }

// Fixed-capacity secret buffer: no heap, zeroed on destruction and on move-from.
template <size_t N>
class Secret {
 public:
  Secret() { data_.fill(0); }
  explicit Secret(std::span<const uint8_t> src) { assign(src); }
  Secret(const Secret& o) : data_(o.data_), len_(o.len_) {}
  Secret& operator=(const Secret& o) {
    if (this != &o) data_ = o.data_, len_ = o.len_;
    return *this;
  }
  Secret(Secret&& o) noexcept : data_(o.data_), len_(o.len_) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept {
    if (this != &o) data_ = o.data_, len_ = o.len_, o.wipe();
    return *this;
  }
  ~Secret() { wipe(); }

  // Returns false if src is longer than the capacity.
  bool assign(std::span<const uint8_t> src) {
    if (src.size() > N) return false;
    wipe();
    if (!src.empty()) std::memcpy(data_.data(), src.data(), src.size());
    len_ = static_cast<decltype(len_)>(src.size());
    return true;
  }
  void wipe() {
    secure_zero(data_.data(), N);
    len_ = 0;
  }
  void resize(size_t n) { len_ = static_cast<decltype(len_)>(n <= N ? n : N); }
  size_t size() const { return len_; }
  bool empty() const { return len_ == 0; }
  static constexpr size_t capacity() { return N; }
  uint8_t* data() { return data_.data(); }
  const uint8_t* data() const { return data_.data(); }
  std::span<const uint8_t> span() const { return {data_.data(), len_}; }
  std::span<uint8_t> mut_span() { return {data_.data(), len_}; }

 private:
  std::array<uint8_t, N> data_;
  // One byte when it can hold N, so a Secret<32> is 33 bytes, not 40: the
  // key-byte objects (crypto::Cipher/Aead) then fit in 48 bytes (issue 10).
  std::conditional_t<(N < 256), uint8_t, size_t> len_ = 0;
};

}  // namespace ainet
