// Random loop-free route selection over the PVT graph of the signed directory
// (docs/protocol.md "Roles and route"). The entrance calls this once per ANT
// set-up attempt, so it may allocate; its work is bounded (kRouteSearchBudget
// node expansions) so a large or adversarial graph cannot stall the engine.
#pragma once
#include <cstddef>
#include <functional>
#include <vector>

#include "core/directory.h"
#include "core/engine_api.h"
#include "crypto/rng.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::core {

constexpr size_t kRouteSearchBudget = 5000;

// A random path entrance = r[0], r[1], ..., r[length-1] = exit, where
// consecutive AINs share a PVT edge, no AIN repeats, every AIN after the
// entrance satisfies usable(id), and the exit's policy contains dst.
// length counts AINs including entrance and exit: 2 <= length <= kMaxHops+1
// (else Errc::invalid_argument). The exit is drawn uniformly among the exits
// that admit a path, then the path by randomized depth-first search.
// Errc::not_found when no such route exists (or the budget ran out).
Result<std::vector<NodeId>> pick_route(const Directory& dir, NodeId entrance,
                                       const wire::IpAddress& dst, size_t length, crypto::Rng& rng,
                                       const std::function<bool(NodeId)>& usable);

// Same, but the exit is fixed (a registered responder lives behind it); its
// exit policy is not consulted.
Result<std::vector<NodeId>> pick_route_to_exit(const Directory& dir, NodeId entrance, NodeId exit,
                                               size_t length, crypto::Rng& rng,
                                               const std::function<bool(NodeId)>& usable);

}  // namespace ainet::core
