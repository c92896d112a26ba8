// The rows of bench/correlation: which of ainet's traffic-analysis defences
// (issue 8, paper §5.4) are on. apply_defences() is the one place that turns
// a row into engine and customer settings.
#pragma once
#include <string>

#include "core/engine_api.h"
#include "sim/sim_customer.h"

namespace ainet::corr {

enum class Defence : uint8_t {
  off,            // nothing: today's ainet (constant-size cells between AINs only)
  size,           // constant size on the customer links too (TFC padding)
  size_constant,  // + constant-rate shaping with dummies (ANTs and customer links)
  size_adaptive,  // + adaptive shaping (a few rates, changed at coarse intervals)
  all,            // every defence, cover ANTs included
};
constexpr int kDefences = 5;
const char* defence_name(Defence d);

// Sets the knobs of `d` on one AIN's configuration and on the customers'
// tunnel parameters. Returns "" when done, else what is missing in this
// build (the row is then reported as not measured, never faked).
std::string apply_defences(Defence d, core::EngineConfig& ain, sim::CustomerTunnelParams& customer);

}  // namespace ainet::corr
