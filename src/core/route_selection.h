// Random loop-free route selection over the PVT graph of the signed directory
// (docs/protocol.md "Roles and route"). The entrance calls this once per ANT
// set-up attempt, so it may allocate; its work is bounded (kRouteSearchBudget
// node expansions) so a large or adversarial graph cannot stall the engine.
#pragma once
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
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

// Checks a route an operator chose (ainctl ant create --route) by the rules a
// picked route obeys: r[0] is the entrance, 2 <= r.size() <= kMaxHops+1, every
// AIN is in the directory and appears once, consecutive AINs share a PVT edge,
// and the last AIN is `fixed_exit` when given (a registered responder's exit),
// else an exit whose policy contains dst. Any length is accepted, not only the
// configured route_length: the operator asked for exactly this path.
// Errc::invalid_argument for a malformed route, Errc::not_found for a missing
// AIN or edge, Errc::unsupported when the exit does not serve dst.
Errc check_route(const Directory& dir, NodeId entrance, std::span<const NodeId> r,
                 const wire::IpAddress& dst, std::optional<NodeId> fixed_exit);

}  // namespace ainet::core
