// Result<T>: the error-returning type of the packet path. Nothing on the packet
// path throws; every parser and every crypto call returns a Result or an Errc.
#pragma once
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ainet {

// One flat error space shared by every layer, so that a drop reason can be
// counted by indexing an array with the Errc value.
enum class Errc : uint8_t {
  ok = 0,
  truncated,         // fewer bytes than the header or field needs
  malformed,         // a field holds a value the format forbids
  bad_version,       // IP version nibble is neither 4 nor 6
  bad_checksum,      // IPv4 header checksum mismatch
  unsupported,       // valid but not handled (e.g. fragments, unknown protocol)
  unknown_spi,       // no SA for this SPI (RFC 4303 §3.4.2)
  replay,            // duplicate sequence number (RFC 4303 §3.4.3)
  stale,             // sequence number left of the replay window
  auth_failed,       // ICV / AEAD tag mismatch
  bad_padding,       // ESP padding bytes not 1,2,3.. (RFC 4303 §2.4)
  seq_exhausted,     // sequence number space used up; SA must be rekeyed
  buffer_too_small,  // output buffer cannot hold the result
  crypto_error,      // OpenSSL reported a failure
  invalid_argument,  // caller error (bad key length, etc.)
  bad_signature,     // Ed25519 signature did not verify
  expired,           // directory or ANT past its expiry
  not_found,         // table lookup miss
  exists,            // table insert collided
  limit,             // a configured bound was reached
  over_quota,        // a time-slice quota is used up (tickets, paper §5.4)
  count_             // number of codes; keep last
};

constexpr std::string_view to_string(Errc e) {
  switch (e) {
    case Errc::ok: return "ok";
    case Errc::truncated: return "truncated";
    case Errc::malformed: return "malformed";
    case Errc::bad_version: return "bad_version";
    case Errc::bad_checksum: return "bad_checksum";
    case Errc::unsupported: return "unsupported";
    case Errc::unknown_spi: return "unknown_spi";
    case Errc::replay: return "replay";
    case Errc::stale: return "stale";
    case Errc::auth_failed: return "auth_failed";
    case Errc::bad_padding: return "bad_padding";
    case Errc::seq_exhausted: return "seq_exhausted";
    case Errc::buffer_too_small: return "buffer_too_small";
    case Errc::crypto_error: return "crypto_error";
    case Errc::invalid_argument: return "invalid_argument";
    case Errc::bad_signature: return "bad_signature";
    case Errc::expired: return "expired";
    case Errc::not_found: return "not_found";
    case Errc::exists: return "exists";
    case Errc::limit: return "limit";
    case Errc::over_quota: return "over_quota";
    case Errc::count_: break;
  }
  return "unknown";
}

constexpr size_t kErrcCount = static_cast<size_t>(Errc::count_);

// Holds either a T or an Errc. T must be default-constructible so that the
// type stays trivially simple (no variant, no exceptions).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T v) : value_(std::move(v)), err_(Errc::ok) {}  // NOLINT: implicit by design
  Result(Errc e) : value_(), err_(e) {}                   // NOLINT: implicit by design

  bool ok() const { return err_ == Errc::ok; }
  explicit operator bool() const { return ok(); }
  Errc error() const { return err_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }

 private:
  T value_;
  Errc err_;
};

// Status for operations that return no value.
using Status = Errc;
[[nodiscard]] constexpr bool ok(Errc e) { return e == Errc::ok; }

}  // namespace ainet
