// Application traffic of bench/correlation: what each simulated user does,
// as a script of request/response exchanges on one TCP-like connection
// (transport.h). Models and parameters from the traffic-measurement
// literature (traffic.cc cites each one):
//   bulk       one request, then a heavy-tailed large download;
//   web        SURGE (Barford & Crovella 1998) page model: a page is a base
//              object plus Pareto-many embedded objects, object sizes
//              lognormal body + Pareto tail, Weibull gaps between objects and
//              Pareto user think times between pages;
//   ssh        interactive shell: keystroke echoes with Pareto inter-arrivals
//              (Paxson & Floyd 1995, Telnet), occasional lognormal output;
//   video      DASH-style streaming (ISO/IEC 23009-1; Rao et al. 2011): a
//              start-up burst of segments, then one segment every 2-4 s;
//   keepalive  an idle connection that exchanges a small ping every 10-30 s.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "draw.h"
#include "util/time.h"

namespace ainet::corr {

enum class AppKind : uint8_t { bulk, web, ssh, video, keepalive };
constexpr int kAppKinds = 5;
const char* kind_name(AppKind k);

// One request (client -> server) and its response (server -> client).
struct Exchange {
  uint32_t request = 0;   // bytes
  uint32_t response = 0;  // bytes
  // The client sends the request `gap` after the previous response arrived
  // completely (user think time, gaps between objects), and not before
  // `not_before` (video: the segment schedule; Time{} = no constraint).
  Duration gap{};
  Time not_before{};
};

struct FlowScript {
  AppKind kind = AppKind::bulk;
  Time start{};  // when the client opens its connection
  std::vector<Exchange> exchanges;
  uint16_t server_port = 443;
};

// The applications of `n` flows, mixed in fixed proportions (bulk 15%, web
// 30%, ssh 15%, video 25%, keepalive 15%, rounded, at least one of each when
// n >= 5), shuffled, each starting at a uniformly random time in
// [0.5 s, start_spread]; scripts long enough to keep a flow busy until `end`.
std::vector<FlowScript> make_scripts(size_t n, Time start_spread, Time end, Draw& d);

}  // namespace ainet::corr
