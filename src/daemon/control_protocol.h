// The control-socket wire format (docs/control.md): one JSON object per line.
// This file turns a request line into handler calls and a response line; the
// server (control_server.h) and the client (control_client.h) move the lines.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "daemon/control_handler.h"

namespace ainet::daemon {

// Longest request line the server accepts (docs/control.md "Framing").
inline constexpr size_t kMaxControlRequest = 64 * 1024;

// Handles one request line (without its '\n') and returns the response line
// (without '\n'). Never throws; a bad request gives an error response.
std::string dispatch_control_line(ControlHandler& handler, std::string_view line);

// Response line for a request the server could not even read (e.g. too long).
std::string control_error_line(const nlohmann::json& id, std::string_view code, std::string_view message);

// Client side.
std::string make_control_request(uint64_t id, std::string_view cmd, const nlohmann::json& args);

struct ControlReply {
  bool ok = false;
  nlohmann::json id;
  nlohmann::json result;      // when ok
  std::string error_code;     // when !ok
  std::string error_message;  // when !ok
};
// A malformed response line gives ok=false, error_code "bad_response".
ControlReply parse_control_response(std::string_view line);

// JSON forms of the handler's types (nlohmann ADL hooks).
void to_json(nlohmann::json& j, const StatusInfo& v);
void to_json(nlohmann::json& j, const PvtRow& v);
void to_json(nlohmann::json& j, const TvtRow& v);
void to_json(nlohmann::json& j, const AntRow& v);
void to_json(nlohmann::json& j, const CustomerRow& v);
void to_json(nlohmann::json& j, const SaRow& v);
void to_json(nlohmann::json& j, const DirectoryInfo& v);
void to_json(nlohmann::json& j, const IkeChildRow& v);
void to_json(nlohmann::json& j, const IkeSaRow& v);
void to_json(nlohmann::json& j, const IkeListing& v);

}  // namespace ainet::daemon
