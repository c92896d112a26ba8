// Defence settings of bench/correlation (see defences.h).
#include "defences.h"

namespace ainet::corr {

const char* defence_name(Defence d) {
  switch (d) {
    case Defence::off:
      return "defences off";
    case Defence::size:
      return "constant size only";
    case Defence::size_constant:
      return "size + constant shaping";
    case Defence::size_adaptive:
      return "size + adaptive shaping";
    case Defence::all:
      return "every defence (+ cover ANTs)";
  }
  return "?";
}

std::string apply_defences(Defence d, core::EngineConfig& /*ain*/,
                           sim::CustomerTunnelParams& /*customer*/) {
  if (d == Defence::off) return {};
  return "core::EngineConfig::shaping and sim::CustomerTunnelParams shaping/padding are not in "
         "this build";
}

}  // namespace ainet::corr
