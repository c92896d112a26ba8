// The [shaping] keys shared by aind.toml and endpoint.toml (paper §5.4;
// docs/protocol.md "Shaping"): a profile is
//   profile = "off" | "constant" | "adaptive"
//   rate = <cells/s>                  (constant)
//   levels = [<cells/s>, ...]         (adaptive, ascending, at most 8)
//   interval = "10s"                  (adaptive: rate changes only this often)
// Errors are one "line: field: what" like every other key.
#pragma once
#include <initializer_list>
#include <string_view>

#include "core/shaping_profile.h"
#include "daemon/toml_section.h"

namespace ainet::daemon {

// The keys read_shaping_profile() reads, for a Section's allowed list.
inline constexpr std::string_view kShapingProfileKeys[] = {"profile", "rate", "levels", "interval"};

// Reads a profile from s (keys above). Keys that do not belong to the chosen
// profile (e.g. `levels` with "constant") are refused, so a half-edited
// config never silently means something else.
core::ShapingProfile read_shaping_profile(const config_toml::Section& s);

}  // namespace ainet::daemon
