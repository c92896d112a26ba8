// LinkSetup: the host side of the TUN the endpoint brings up: MTU, up, the
// inner addresses (anonymity option 1 only; option 2's inner address is the
// host's real one, already configured) and the routes into the TUN. Done with
// iproute2 (`ip`), run by fork/exec without a shell, once at start.
#pragma once
#include <string>
#include <vector>

#include "endpoint/endpoint_config.h"

namespace ainet::endpoint {

// The `ip` argument lists (without "ip" itself) that configure `tun` per the
// config, in order. Pure, so it is unit-tested.
std::vector<std::vector<std::string>> link_setup_commands(const EndpointConfig& c, const std::string& tun);

// Runs `ip args...`; true on exit status 0. On failure `error` says what ran
// and how it ended.
bool run_ip(const std::vector<std::string>& args, std::string& error);

}  // namespace ainet::endpoint
