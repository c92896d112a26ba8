// SysResult<T>: a value, or the system call that failed and its errno.
// ainet::Result carries only an Errc; opening a TUN device or binding a socket
// needs the errno and the call name so the daemon can say exactly what failed
// ("bind [::]:4500: Address already in use").
#pragma once
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

namespace ainet::io {

struct SysError {
  std::string what;  // the failing call and its subject, e.g. "open /dev/net/tun"
  int code = 0;      // errno
  std::string message() const { return what + ": " + std::strerror(code); }
};

// Captures errno right after a failing call.
inline SysError sys_error(std::string what, int code = errno) { return {std::move(what), code}; }

template <typename T>
class [[nodiscard]] SysResult {
 public:
  SysResult(T v) : value_(std::move(v)) {}              // NOLINT: implicit by design
  SysResult(SysError e) : err_(std::move(e)), ok_(false) {}  // NOLINT: implicit by design

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const SysError& error() const { return err_; }
  T& value() & { return value_; }
  const T& value() const& { return value_; }
  T&& value() && { return std::move(value_); }
  T* operator->() { return &value_; }
  const T* operator->() const { return &value_; }
  T& operator*() & { return value_; }
  const T& operator*() const& { return value_; }

 private:
  T value_{};
  SysError err_;
  bool ok_ = true;
};

// For operations without a value: an empty `what` means success.
struct [[nodiscard]] SysStatus {
  SysStatus() = default;
  SysStatus(SysError e) : err(std::move(e)) {}  // NOLINT: implicit by design
  bool ok() const { return err.code == 0 && err.what.empty(); }
  explicit operator bool() const { return ok(); }
  SysError err;
};

}  // namespace ainet::io
