// The exit's per-ANT source address pool (docs/protocol.md "Exit delivery").
// Each locally delivered ANT gets its own address, so the kernel's NAT keeps
// two ANTs apart even when their inner sources collide, and replies addressed
// to a pool address go back into exactly one ANT.
#pragma once
#include <unordered_set>
#include <vector>

#include "crypto/rng.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::core {

class ExitPool {
 public:
  ExitPool() = default;
  explicit ExitPool(std::vector<wire::IpPrefix> prefixes) : prefixes_(std::move(prefixes)) {}

  // True if the pool has at least one prefix of this family.
  bool serves(wire::IpFamily f) const;
  // A free address of family f, picked at random (so addresses do not reveal
  // the order ANTs were made in). not_found if no prefix of f; limit if full.
  Result<wire::IpAddress> acquire(wire::IpFamily f, crypto::Rng& rng);
  void release(const wire::IpAddress& a) { in_use_.erase(a); }
  bool in_use(const wire::IpAddress& a) const { return in_use_.count(a) != 0; }
  size_t size() const { return in_use_.size(); }

 private:
  std::vector<wire::IpPrefix> prefixes_;
  std::unordered_set<wire::IpAddress> in_use_;
};

}  // namespace ainet::core
