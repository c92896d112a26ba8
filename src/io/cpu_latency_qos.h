// CpuLatencyQos: a CPU wake-up latency request to the kernel's PM QoS
// (/dev/cpu_dma_latency, Documentation/power/pm_qos_interface.rst), held
// for as long as the object lives; the kernel drops it when the fd closes.
//
// Why: a ping through a 3-hop ANT crosses 8 processes, and each is woken on
// a CPU that went idle during the pause (docs/latency.md). On a VM a halted
// vCPU wakes through the hypervisor, tens of microseconds per wake-up. A
// request of 0 us keeps idle CPUs in the cpuidle polling state, so the
// wake-up is a flag the idle loop sees at once. It costs power and
// machine-wide idle behaviour, which is why aind and ain-endpoint make it
// only when a config asks ([network] cpu_latency_us, endpoint.cpu_latency_us).
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "io/sys_result.h"
#include "io/unique_fd.h"

namespace ainet::io {

// The largest request a config may ask for: beyond 10 ms no cpuidle state
// of this era is excluded, so the request would do nothing.
constexpr int kMaxCpuLatencyUs = 10000;

class CpuLatencyQos {
 public:
  CpuLatencyQos() = default;  // no request

  // Opens `device` (the default is the kernel's) and writes `us` as the
  // binary s32 the interface takes. Needs write access to the device (root
  // by default): make the request before dropping privileges.
  static SysResult<CpuLatencyQos> request(int us, const std::string& device = "/dev/cpu_dma_latency");

  // The value in force now (the smallest of all requests on the machine, or
  // the kernel's default when there is none), read from `device`.
  static SysResult<int32_t> current(const std::string& device = "/dev/cpu_dma_latency");

  // A config's cpu_latency_us: no request for a negative value; else the
  // request, or (refused) none and the reason in `refused`: the daemons go
  // on without it, as without TUN offloads.
  static CpuLatencyQos from_config(int us, std::string& refused);

  // The request held, in microseconds; none without one (not asked for,
  // refused, or moved from).
  std::optional<int> held() const { return fd_.valid() ? std::optional<int>(us_) : std::nullopt; }

 private:
  CpuLatencyQos(UniqueFd fd, int us) : fd_(std::move(fd)), us_(us) {}
  UniqueFd fd_;
  int us_ = 0;
};

}  // namespace ainet::io
