#include "ike/ts_narrowing.h"

#include <algorithm>

namespace ainet::ike {

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b) {
  if (a.ts_type != b.ts_type) return std::nullopt;
  // Protocol 0 means any (§3.13.1).
  if (a.ip_protocol != 0 && b.ip_protocol != 0 && a.ip_protocol != b.ip_protocol)
    return std::nullopt;
  TrafficSelector r = a;
  r.ip_protocol = a.ip_protocol != 0 ? a.ip_protocol : b.ip_protocol;
  r.start = std::max(a.start, b.start);  // same family: byte order is numeric order
  r.end = std::min(a.end, b.end);
  r.start_port = std::max(a.start_port, b.start_port);
  r.end_port = std::min(a.end_port, b.end_port);
  // §3.13.1: start > end is an empty range (ports 65535..0 mean OPAQUE,
  // which ainet never allows).
  if (r.start > r.end || r.start_port > r.end_port) return std::nullopt;
  return r;
}

std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& proposed,
                                    const std::vector<TrafficSelector>& allowed) {
  std::vector<TrafficSelector> out;
  for (const TrafficSelector& p : proposed) {
    for (const TrafficSelector& a : allowed) {
      auto r = intersect(p, a);
      if (!r || std::find(out.begin(), out.end(), *r) != out.end()) continue;
      if (out.size() == kMaxTrafficSelectors) return out;
      out.push_back(*r);
    }
  }
  return out;
}

bool contains(const TrafficSelector& outer, const TrafficSelector& inner) {
  auto r = intersect(outer, inner);
  return r && *r == inner;
}

bool all_within(const std::vector<TrafficSelector>& got,
                const std::vector<TrafficSelector>& offered) {
  if (got.empty()) return false;
  return std::all_of(got.begin(), got.end(), [&](const TrafficSelector& g) {
    return std::any_of(offered.begin(), offered.end(),
                       [&](const TrafficSelector& o) { return contains(o, g); });
  });
}

}  // namespace ainet::ike
