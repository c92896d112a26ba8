// Defence settings of bench/correlation (see defences.h).
#include "defences.h"

#include "core/onion.h"
#include "core/shaping_profile.h"

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
      return "every defence + cover ANTs";
  }
  return "?";
}

std::string DefenceParams::describe(Defence d) const {
  std::string levels_s;
  for (uint32_t l : levels) levels_s += (levels_s.empty() ? "" : ",") + std::to_string(l);
  const std::string constant = "constant " + std::to_string(rate) + " cells/s";
  const std::string adaptive =
      "adaptive " + levels_s + " cells/s every " + std::to_string(interval.ns / 1000000000) + " s";
  switch (d) {
    case Defence::off:
      return "no shaping, no customer-link padding";
    case Defence::size:
      return "customer tunnels TFC-padded to one cell's datagram size, both ways";
    case Defence::size_constant:
      return "size + " + constant + " on every ANT and customer link, both ways";
    case Defence::size_adaptive:
      return "size + " + adaptive + " on every ANT and customer link";
    case Defence::all:
      return "size + " + constant + " + " + std::to_string(cover_ants) + " cover ANTs per PVT link";
  }
  return "?";
}

std::string apply_defences(Defence d, const DefenceParams& p, core::EngineConfig& ain,
                           sim::CustomerTunnelParams& customer) {
  core::ShapingConfig& s = ain.shaping;
  if (d == Defence::off) return {};
  // Constant size: every customer-tunnel packet carries one cell's worth of
  // datagram (RFC 4303 §2.7 TFC padding), like the cells between AINs.
  s.pad_customer = true;
  customer.pad_to = core::max_cell_datagram(ain.cell_size);
  if (d == Defence::size) return {};

  core::ShapingProfile profile;
  if (d == Defence::size_adaptive) {
    auto a = core::ShapingProfile::make_adaptive(p.levels, p.interval);
    if (!a) return "adaptive profile rejected: " + std::string(to_string(a.error()));
    profile = *a;
  } else {
    profile = core::ShapingProfile::make_constant(p.rate);
    if (profile.check() != Errc::ok) return "constant rate out of bounds";
  }
  s.ant = profile;             // entrance forward; the exit mirrors it backward
  s.customer = profile;        // AIN -> customer
  customer.shaping = profile;  // customer -> AIN
  if (d == Defence::all) s.cover_ants = p.cover_ants;
  return {};
}

}  // namespace ainet::corr
