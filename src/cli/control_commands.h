// ainctl's control-socket commands (status, pvts, tvts, ants, customers,
// ant create/destroy, reload): one request to aind (docs/control.md), the
// answer printed as a table, or as the raw JSON result with --json.
#pragma once
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string_view>

#include "daemon/control_client.h"

namespace ainet::cli {

// Sends `cmd` with `args` and prints the result. Exit status 0 on success,
// 1 when aind refused or could not be reached (message on err).
int control_command(daemon::ControlClient& client, std::string_view cmd, const nlohmann::json& args,
                    bool as_json, std::ostream& out, std::ostream& err);

// `ainctl sas`: list_sas as a table, as sa.txt lines (docs/pcap.md, v1) with
// sa_txt, or as JSON.
int sas_command(daemon::ControlClient& client, bool keys, bool sa_txt, bool as_json, std::ostream& out,
                std::ostream& err);
// sa.txt lines for a list_sas result.
void print_sa_txt(const nlohmann::json& result, std::ostream& out);

// Human-readable forms of each command's result.
void print_result(std::string_view cmd, const nlohmann::json& result, std::ostream& out);

}  // namespace ainet::cli
