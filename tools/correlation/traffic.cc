// The traffic models of bench/correlation (see traffic.h). Every parameter
// below comes from the cited measurement study; caps only keep a run
// bounded and are named as such.
#include "traffic.h"

#include <algorithm>
#include <cmath>

namespace ainet::corr {

const char* kind_name(AppKind k) {
  switch (k) {
    case AppKind::bulk:
      return "bulk";
    case AppKind::web:
      return "web";
    case AppKind::ssh:
      return "ssh";
    case AppKind::video:
      return "video";
    case AppKind::keepalive:
      return "keepalive";
  }
  return "?";
}

namespace {

Duration seconds(double s) {
  return Duration{static_cast<int64_t>(s * 1e9)};
}
uint32_t bytes(double b, double lo, double hi) {
  return static_cast<uint32_t>(std::llround(clamp(b, lo, hi)));
}

// HTTP request message: a GET with typical browser headers, 300-700 bytes.
uint32_t http_request(Draw& d) {
  return bytes(d.uniform(300, 700), 300, 700);
}

// SURGE (P. Barford, M. Crovella, "Generating representative Web workloads
// for network and server performance evaluation", SIGMETRICS 1998, Table 2):
// object sizes are lognormal (mu 9.357, sigma 1.318) in the body and Pareto
// (k 133 KB, alpha 1.1) in the tail, the tail holding about 7% of objects.
// Capped at 8 MB so one object cannot outlast a short run.
uint32_t web_object(Draw& d) {
  const double s = d.chance(0.07) ? d.pareto(1.1, 133e3) : d.lognormal(9.357, 1.318);
  return bytes(s, 100, 8e6);
}

// Bulk download: a large transfer from the Pareto tail of Web/FTP file
// sizes (alpha 1.1: Crovella & Bestavros, "Self-similarity in World Wide Web
// traffic", IEEE/ACM ToN 1997; SURGE's tail), starting at 2 MB, capped at
// 64 MB (about 15 s at 35 Mbit/s) to keep the run bounded.
uint32_t bulk_size(Draw& d) {
  return bytes(d.pareto(1.1, 2e6), 2e6, 64e6);
}

void web(FlowScript& f, Time end, Draw& d) {
  Time t = f.start;
  while (t < end && f.exchanges.size() < 20000) {
    // SURGE: embedded references per page Pareto (k 1, alpha 2.43); the base
    // object plus that many embedded ones, fetched one after another on the
    // connection (HTTP/1.1 keep-alive), separated by "active OFF" times,
    // Weibull (shape 1.46, scale 0.382 s).
    const int embedded = static_cast<int>(clamp(std::floor(d.pareto(2.43, 1.0)), 1, 60));
    // "Inactive OFF" (user think time) before the page: Pareto (k 1 s,
    // alpha 1.5), capped at 60 s (the engine's inactivity timeout is 120 s).
    const double think = f.exchanges.empty() ? 0.0 : clamp(d.pareto(1.5, 1.0), 1.0, 60.0);
    f.exchanges.push_back({http_request(d), web_object(d), seconds(think), {}});
    t = t + seconds(think + 0.5);
    for (int i = 0; i < embedded; ++i) {
      const double off = clamp(d.weibull(1.46, 0.382), 0.0, 10.0);
      f.exchanges.push_back({http_request(d), web_object(d), seconds(off), {}});
      t = t + seconds(off + 0.1);
    }
  }
}

void ssh(FlowScript& f, Time end, Draw& d) {
  Time t = f.start;
  // An SSH-2 packet carrying one keystroke (or its echo) is 36 bytes of TCP
  // payload with chacha20-poly1305 (RFC 4253 §6 framing).
  constexpr uint32_t kKeystroke = 36;
  while (t < end && f.exchanges.size() < 20000) {
    // Keystroke inter-arrivals: Pareto with alpha 0.95 (V. Paxson, S. Floyd,
    // "Wide area traffic: the failure of Poisson modeling", IEEE/ACM ToN
    // 1995, Telnet originator packets), from 0.1 s, capped at 60 s.
    const double gap = f.exchanges.empty() ? 0.5 : clamp(d.pareto(0.95, 0.1), 0.1, 60.0);
    // One line in twenty is a command whose output comes back: lognormal
    // with median 1 KB (sigma 1.5), capped at 256 KB.
    const uint32_t resp =
        d.chance(0.05) ? bytes(d.lognormal(std::log(1000.0), 1.5), 100, 256e3) : kKeystroke;
    f.exchanges.push_back({kKeystroke, resp, seconds(gap), {}});
    t = t + seconds(gap);
  }
}

void video(FlowScript& f, Time end, Draw& d) {
  // DASH (ISO/IEC 23009-1): segments of 2-4 s (one duration per stream) at
  // one rung of a typical bitrate ladder. Rao et al. ("Network
  // characteristics of video streaming traffic", CoNEXT 2011) measured the
  // pattern this produces: a buffering phase that downloads as fast as the
  // path allows, then a steady ON-OFF phase of one block per period. The
  // player starts with 4 segments back to back, then requests segment k when
  // segment k-4 would have finished playing (buffer of 4 segments).
  const double seg = d.uniform(2.0, 4.0);
  static constexpr double kLadder[] = {1.5e6, 3e6, 4.5e6, 6e6};  // bit/s
  const double rate = kLadder[d.index(4)];
  constexpr int kBuffered = 4;
  for (int k = 0; f.start + seconds(seg * (k - kBuffered)) < end && k < 20000; ++k) {
    // Variable-bitrate encoding: each segment's size varies around the
    // nominal rate (lognormal, sigma 0.2).
    const double size = rate * seg / 8.0 * d.lognormal(0.0, 0.2);
    const Time at = k < kBuffered ? Time{} : f.start + seconds(seg * (k - kBuffered));
    f.exchanges.push_back({http_request(d), bytes(size, 1e4, 16e6), {}, at});
  }
}

void keepalive(FlowScript& f, Time end, Draw& d) {
  // An idle application connection that only keeps its NAT binding and
  // session alive (SSH ServerAliveInterval, MQTT PINGREQ, WebSocket ping):
  // one small exchange every 10-30 s (one interval per flow, jittered by 5%).
  const double every = d.uniform(10.0, 30.0);
  Time t = f.start;
  while (t < end && f.exchanges.size() < 20000) {
    const double gap = f.exchanges.empty() ? 0.2 : every * d.uniform(0.95, 1.05);
    f.exchanges.push_back(
        {bytes(d.uniform(40, 100), 40, 100), bytes(d.uniform(40, 100), 40, 100), seconds(gap), {}});
    t = t + seconds(gap);
  }
}

}  // namespace

std::vector<FlowScript> make_scripts(size_t n, Time start_spread, Time end, Draw& d) {
  // Fixed proportions, rounded, then shuffled: every kind is present.
  static constexpr double kShare[kAppKinds] = {0.15, 0.30, 0.15, 0.25, 0.15};
  std::vector<AppKind> kinds;
  for (int k = 0; k < kAppKinds; ++k) {
    size_t c = static_cast<size_t>(std::llround(kShare[k] * static_cast<double>(n)));
    if (n >= kAppKinds) c = std::max<size_t>(c, 1);
    for (size_t i = 0; i < c; ++i) kinds.push_back(static_cast<AppKind>(k));
  }
  while (kinds.size() < n) kinds.push_back(AppKind::web);
  kinds.resize(n);
  for (size_t i = kinds.size(); i > 1; --i) std::swap(kinds[i - 1], kinds[d.index(i)]);

  std::vector<FlowScript> out(n);
  for (size_t i = 0; i < n; ++i) {
    FlowScript& f = out[i];
    f.kind = kinds[i];
    f.start = Time{static_cast<int64_t>(d.uniform(0.5e9, static_cast<double>(start_spread.ns)))};
    switch (f.kind) {
      case AppKind::bulk:
        f.exchanges.push_back({http_request(d), bulk_size(d), {}, {}});
        break;
      case AppKind::web:
        web(f, end, d);
        break;
      case AppKind::ssh:
        ssh(f, end, d);
        f.server_port = 22;
        break;
      case AppKind::video:
        video(f, end, d);
        break;
      case AppKind::keepalive:
        keepalive(f, end, d);
        f.server_port = 5222;
        break;
    }
  }
  return out;
}

}  // namespace ainet::corr
