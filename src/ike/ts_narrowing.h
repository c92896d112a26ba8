// Traffic selector narrowing (RFC 7296 §2.9), kept simple on purpose:
//   * the responder answers with every non-empty intersection of a
//     proposed selector with a selector its policy allows (address range,
//     port range, protocol; 0 = any protocol), in the order proposed, at
//     most kMaxTrafficSelectors of them; none at all is TS_UNACCEPTABLE;
//   * the initiator accepts an answer only if every returned selector lies
//     inside one it proposed (otherwise it deletes the child SA, §2.9);
//   * §2.9's "first selector is the packet that triggered" hint and
//     ADDITIONAL_TS_POSSIBLE are not used: an intersection is already the
//     largest subset allowed, and ainet's policies are single ranges.
#pragma once
#include <optional>
#include <vector>

#include "ike/payloads.h"

namespace ainet::ike {

std::optional<TrafficSelector> intersect(const TrafficSelector& a, const TrafficSelector& b);
std::vector<TrafficSelector> narrow(const std::vector<TrafficSelector>& proposed,
                                    const std::vector<TrafficSelector>& allowed);
bool contains(const TrafficSelector& outer, const TrafficSelector& inner);
bool all_within(const std::vector<TrafficSelector>& got,
                const std::vector<TrafficSelector>& offered);

}  // namespace ainet::ike
