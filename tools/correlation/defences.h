// The rows of bench/correlation: which of ainet's traffic-analysis defences
// (issue 8, paper §5.4) are on. apply_defences() is the one place that turns
// a row into engine and customer settings.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/engine_api.h"
#include "sim/sim_customer.h"

namespace ainet::corr {

enum class Defence : uint8_t {
  off,            // nothing: today's ainet (constant-size cells between AINs only)
  size,           // + constant size on the customer links (TFC padding)
  size_constant,  // + constant-rate shaping with dummies (ANTs and customer links)
  size_adaptive,  // + adaptive shaping (a few rates, changed at coarse intervals)
  all,            // constant size, constant shaping and cover ANTs
};
constexpr int kDefences = 5;
const char* defence_name(Defence d);

// The shaping settings the rows use (bench/correlation options).
struct DefenceParams {
  uint32_t rate = 400;                           // constant: cells/s each way
  std::vector<uint32_t> levels{100, 400, 1600};  // adaptive: cells/s
  Duration interval = Duration::s(10);           // adaptive: rate changes only this often
  size_t cover_ants = 2;                         // "all": cover ANTs per PVT link
  std::string describe(Defence d) const;
};

// Sets the knobs of `d` on one AIN's configuration and on the customers'
// tunnel parameters. Returns "" when done, else why the row cannot run.
std::string apply_defences(Defence d, const DefenceParams& p, core::EngineConfig& ain,
                           sim::CustomerTunnelParams& customer);

}  // namespace ainet::corr
