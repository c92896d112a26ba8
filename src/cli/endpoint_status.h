// ainctl's printer for an ain-endpoint's `status` (docs/control.md
// "ain-endpoint"), in the manner of `wg show`: the tunnel, counters, drops,
// then one row per inner flow sent. print_result (control_commands.cc) calls
// it when the status result says "kind": "endpoint".
#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>

namespace ainet::cli {

bool is_endpoint_status(const nlohmann::json& result);
void print_endpoint_status(const nlohmann::json& result, std::ostream& out);

}  // namespace ainet::cli
