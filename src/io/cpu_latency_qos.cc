#include "io/cpu_latency_qos.h"

#include <fcntl.h>
#include <unistd.h>

namespace ainet::io {

SysResult<CpuLatencyQos> CpuLatencyQos::request(int us, const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd) return sys_error("open " + device);
  // The interface takes a binary s32 (or an ASCII hex string); the request
  // is in force once write() returns and until the fd closes.
  const int32_t v = us;
  const ssize_t n = ::write(fd.get(), &v, sizeof v);
  if (n != static_cast<ssize_t>(sizeof v)) return sys_error("write " + device, n < 0 ? errno : EIO);
  return CpuLatencyQos(std::move(fd), us);
}

CpuLatencyQos CpuLatencyQos::from_config(int us, std::string& refused) {
  refused.clear();
  if (us < 0) return {};
  auto q = request(us);
  if (q) return std::move(q).value();
  refused = q.error().message();
  return {};
}

SysResult<int32_t> CpuLatencyQos::current(const std::string& device) {
  UniqueFd fd(::open(device.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return sys_error("open " + device);
  int32_t v = 0;
  const ssize_t n = ::read(fd.get(), &v, sizeof v);
  if (n != static_cast<ssize_t>(sizeof v)) return sys_error("read " + device, n < 0 ? errno : EIO);
  return v;
}

}  // namespace ainet::io
