// Command-line names of the sa::Transform values, e.g. "aes128-gcm" or
// "ah-hmac-sha256". One table so the tool, its help text and the interop tests
// agree on the spelling.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sa/transform.h"

namespace ainet::tools {

std::optional<sa::Transform> parse_transform_name(std::string_view name);
std::string_view transform_name(sa::Transform t);
// Every transform the tool knows, in table order.
std::vector<sa::Transform> all_transforms();
// "aes128-gcm, aes256-gcm, ..." for --help.
std::string all_transform_names();

}  // namespace ainet::tools
