#include "core/route_selection.h"

#include <algorithm>
#include <limits>
#include <unordered_map>

#include "wire/signaling.h"

namespace ainet::core {
namespace {

template <typename T>
void shuffle(std::vector<T>& v, crypto::Rng& rng) {
  for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng.uniform(i)]);
}

constexpr uint32_t kFar = std::numeric_limits<uint32_t>::max();

// Randomized depth-first search over a dense-index copy of the PVT graph,
// built once per call so each step is array work, not hashing.
class PathSearch {
 public:
  PathSearch(const Directory& dir, NodeId entrance, size_t length, crypto::Rng& rng,
             const std::function<bool(NodeId)>& usable)
      : length_(length), rng_(rng) {
    const auto& entries = dir.entries();
    ids_.reserve(entries.size());
    std::unordered_map<NodeId, uint32_t> index;
    for (const AinEntry& e : entries) {
      index.emplace(e.id, static_cast<uint32_t>(ids_.size()));
      ids_.push_back(e.id);
    }
    adj_.resize(ids_.size());
    allowed_.resize(ids_.size());
    for (uint32_t i = 0; i < ids_.size(); ++i) {
      for (NodeId w : dir.edges_of(ids_[i])) adj_[i].push_back(index.at(w));
      allowed_[i] = ids_[i] != entrance && usable(ids_[i]);
    }
    auto it = index.find(entrance);
    entrance_ = it == index.end() ? kFar : it->second;
    on_path_.assign(ids_.size(), 0);
    dist_.assign(ids_.size(), kFar);
  }

  // A random loop-free path of exactly length_ AINs from the entrance to exit.
  bool find(NodeId exit, std::vector<NodeId>& out) {
    if (entrance_ == kFar) return false;
    auto it = std::find(ids_.begin(), ids_.end(), exit);
    if (it == ids_.end()) return false;
    exit_ = static_cast<uint32_t>(it - ids_.begin());
    path_.assign(1, entrance_);
    std::fill(on_path_.begin(), on_path_.end(), 0);
    on_path_[entrance_] = 1;
    if (!extend()) return false;
    out.clear();
    for (uint32_t i : path_) out.push_back(ids_[i]);
    return true;
  }

  bool exhausted() const { return budget_ == 0; }

 private:
  // Hop counts to the exit through allowed AINs not on the path (BFS from
  // the exit). A child is tried only if the exit stays reachable from it in
  // the steps left, which prunes dead subtrees such as "the exit's only
  // neighbour is already on the path". Parity and similar dead ends are left
  // to the budget.
  void distances_from_exit() {
    std::fill(dist_.begin(), dist_.end(), kFar);
    queue_.clear();
    dist_[exit_] = 0;
    queue_.push_back(exit_);
    for (size_t head = 0; head < queue_.size(); ++head) {
      const uint32_t u = queue_[head];
      for (uint32_t w : adj_[u]) {
        if (dist_[w] != kFar || !allowed_[w] || on_path_[w]) continue;
        dist_[w] = dist_[u] + 1;
        queue_.push_back(w);
      }
    }
  }

  bool extend() {
    if (budget_ == 0) return false;
    --budget_;
    const size_t remaining = length_ - path_.size();  // AINs still to add
    distances_from_exit();
    std::vector<uint32_t> next;
    for (uint32_t w : adj_[path_.back()]) {
      if (on_path_[w]) continue;  // loop-free
      if (remaining == 1) {
        if (w == exit_) next.push_back(w);
        continue;
      }
      if (w == exit_ || dist_[w] == kFar || dist_[w] > remaining - 1) continue;
      next.push_back(w);
    }
    shuffle(next, rng_);
    for (uint32_t w : next) {
      path_.push_back(w);
      on_path_[w] = 1;
      if (path_.size() == length_ || extend()) return true;
      on_path_[w] = 0;
      path_.pop_back();
      if (budget_ == 0) return false;
    }
    return false;
  }

  size_t length_;
  crypto::Rng& rng_;
  size_t budget_ = kRouteSearchBudget;
  std::vector<NodeId> ids_;
  std::vector<std::vector<uint32_t>> adj_;
  std::vector<uint8_t> allowed_, on_path_;
  std::vector<uint32_t> dist_, queue_, path_;
  uint32_t entrance_ = kFar, exit_ = kFar;
};

Result<std::vector<NodeId>> pick_among(const Directory& dir, NodeId entrance,
                                       std::vector<NodeId> exits, size_t length, crypto::Rng& rng,
                                       const std::function<bool(NodeId)>& usable) {
  if (length < 2 || length > wire::kMaxHops + 1) return Errc::invalid_argument;
  if (!dir.find(entrance) || exits.empty()) return Errc::not_found;
  // Exits in random order; the first that admits a path is uniform among
  // those that do (as long as the budget lasts).
  shuffle(exits, rng);
  PathSearch search(dir, entrance, length, rng, usable);
  std::vector<NodeId> path;
  for (NodeId exit : exits) {
    if (search.find(exit, path)) return path;
    if (search.exhausted()) break;
  }
  return Errc::not_found;
}

}  // namespace

Result<std::vector<NodeId>> pick_route(const Directory& dir, NodeId entrance,
                                       const wire::IpAddress& dst, size_t length, crypto::Rng& rng,
                                       const std::function<bool(NodeId)>& usable) {
  std::vector<NodeId> exits;
  for (const AinEntry& e : dir.entries())
    if (e.id != entrance && e.exits_to(dst) && usable(e.id)) exits.push_back(e.id);
  return pick_among(dir, entrance, std::move(exits), length, rng, usable);
}

Result<std::vector<NodeId>> pick_route_to_exit(const Directory& dir, NodeId entrance, NodeId exit,
                                               size_t length, crypto::Rng& rng,
                                               const std::function<bool(NodeId)>& usable) {
  std::vector<NodeId> exits;
  if (exit != entrance && dir.find(exit) && usable(exit)) exits.push_back(exit);
  return pick_among(dir, entrance, std::move(exits), length, rng, usable);
}

Errc check_route(const Directory& dir, NodeId entrance, std::span<const NodeId> r,
                 const wire::IpAddress& dst, std::optional<NodeId> fixed_exit) {
  if (r.size() < 2 || r.size() > wire::kMaxHops + 1 || r[0] != entrance) return Errc::invalid_argument;
  for (size_t i = 0; i < r.size(); ++i) {
    if (!dir.find(r[i])) return Errc::not_found;
    if (std::find(r.begin(), r.begin() + static_cast<long>(i), r[i]) != r.begin() + static_cast<long>(i))
      return Errc::invalid_argument;  // a loop
    if (i > 0 && !dir.has_edge(r[i - 1], r[i])) return Errc::not_found;
  }
  if (fixed_exit) return r.back() == *fixed_exit ? Errc::ok : Errc::unsupported;
  return dir.find(r.back())->exits_to(dst) ? Errc::ok : Errc::unsupported;
}

}  // namespace ainet::core
