#include "core/ant_table.h"

namespace ainet::core {
namespace {
size_t mix(size_t h, size_t v) { return h ^ (v + 0x9e3779b97f4a7c15ULL + (h << 6) + (h >> 2)); }
}  // namespace

size_t EntranceKeyHash::operator()(const EntranceKey& k) const {
  std::hash<IpAddress> ha;
  return mix(mix(k.customer, ha(k.src)), ha(k.dst));
}
size_t ExitKeyHash::operator()(const ExitKey& k) const {
  std::hash<IpAddress> ha;
  return mix(mix(k.target, ha(k.local_side)), ha(k.remote_side));
}

namespace {
void add_totals(AntTotals& t, const Ant& a) {
  t.cells_fwd += a.packets_fwd;
  t.cells_bwd += a.packets_bwd;
  t.cell_bytes_fwd += a.bytes_fwd;
  t.cell_bytes_bwd += a.bytes_bwd;
  t.datagram_bytes_fwd += a.datagram_bytes_fwd;
  t.datagram_bytes_bwd += a.datagram_bytes_bwd;
}
}  // namespace

AntTotals AntTable::totals() const {
  AntTotals t = retired_;
  for (const auto& [h, a] : ants_) add_totals(t, *a);
  return t;
}

Ant* AntTable::find(uint64_t handle) {
  auto it = ants_.find(handle);
  return it == ants_.end() ? nullptr : it->second.get();
}

Ant& AntTable::add(AntInfo::Role role, Time now) {
  auto a = std::make_unique<Ant>();
  a->handle = next_handle_++;
  a->role = role;
  if (role == AntInfo::Role::entrance) a->ent = std::make_unique<EntranceState>();
  a->created = a->last_active = now;
  ++roles_[static_cast<size_t>(role)];
  Ant& ref = *a;
  ants_.emplace(ref.handle, std::move(a));
  return ref;
}

std::unique_ptr<Ant> AntTable::erase(uint64_t handle) {
  auto it = ants_.find(handle);
  if (it == ants_.end()) return nullptr;
  std::unique_ptr<Ant> a = std::move(it->second);
  ants_.erase(it);
  --roles_[static_cast<size_t>(a->role)];
  add_totals(retired_, *a);
  release_spi_in_fwd(*a);
  release_spi_in_bwd(*a);
  if (a->has_entrance_key) {
    entrance_.erase(EntranceKey{a->customer, a->inner_src, a->inner_dst});
    a->has_entrance_key = false;
  }
  if (a->has_exit_key) {
    const uint32_t target = a->deliver_to_responder ? a->responder + 1 : 0;
    exit_.erase(ExitKey{target, a->exposed_src, a->inner_dst});
    a->has_exit_key = false;
  }
  if (a->owns_pool_address) pool_.erase(a->exposed_src);
  return a;
}

const SpiRef* AntTable::find_spi(uint32_t spi) const {
  auto it = spis_.find(spi);
  return it == spis_.end() ? nullptr : &it->second;
}

bool AntTable::claim_spi_in_fwd(Ant& a, uint32_t spi) {
  if (!add_spi(spi, {SpiRef::Kind::ant_fwd, a.handle})) return false;
  a.spi_in_fwd = spi;
  a.owns_spi_in_fwd = true;
  return true;
}
bool AntTable::claim_spi_in_bwd(Ant& a, uint32_t spi) {
  if (!add_spi(spi, {SpiRef::Kind::ant_bwd, a.handle})) return false;
  a.spi_in_bwd = spi;
  a.owns_spi_in_bwd = true;
  return true;
}
void AntTable::release_spi_in_fwd(Ant& a) {
  if (a.owns_spi_in_fwd) spis_.erase(a.spi_in_fwd);
  a.owns_spi_in_fwd = false;
}
void AntTable::release_spi_in_bwd(Ant& a) {
  if (a.owns_spi_in_bwd) spis_.erase(a.spi_in_bwd);
  a.owns_spi_in_bwd = false;
}

Ant* AntTable::find_entrance(const EntranceKey& k) {
  auto it = entrance_.find(k);
  return it == entrance_.end() ? nullptr : find(it->second);
}
bool AntTable::bind_entrance(Ant& a, const EntranceKey& k) {
  if (!entrance_.emplace(k, a.handle).second) return false;
  a.customer = k.customer;
  a.inner_src = k.src;
  a.inner_dst = k.dst;
  a.has_entrance_key = true;
  return true;
}
Ant* AntTable::find_exit(const ExitKey& k) {
  auto it = exit_.find(k);
  return it == exit_.end() ? nullptr : find(it->second);
}
Ant* AntTable::find_exit_by_pool(const IpAddress& addr) {
  auto it = pool_.find(addr);
  return it == pool_.end() ? nullptr : find(it->second);
}
bool AntTable::bind_exit(Ant& a, const ExitKey& k) {
  if (!exit_.emplace(k, a.handle).second) return false;
  a.has_exit_key = true;
  return true;
}
void AntTable::bind_pool(Ant& a, const IpAddress& addr) {
  pool_[addr] = a.handle;
  a.owns_pool_address = true;
}

}  // namespace ainet::core
