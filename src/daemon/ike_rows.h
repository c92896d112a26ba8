// What `ainctl ike` shows (docs/control.md "list_ike"): aind's IKE SAs with
// their child SAs, as text for humans and scripts (ike::IkeSaInfo turned
// into strings and seconds by ain_node_ike.cc), plus the engine's counters.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace ainet::daemon {

struct IkeChildRow {
  std::string spi_in, spi_out;  // "0x1234abcd"
  uint32_t key_bits = 0;
  bool esn = false, udp_encap = false, rekeying = false;
  std::vector<std::string> ts_local, ts_remote;
  int64_t age_s = 0, rekey_in_s = 0, expire_in_s = 0;
  uint32_t rekeys = 0;  // rekeys in this child's line so far
};

struct IkeSaRow {
  uint64_t handle = 0;
  std::string peer;          // the customer's name ("" while half-open)
  uint32_t customer = 0;     // its id (0 while half-open)
  // An IKE PVT's IKE SA (docs/ike.md "PVTs"): the neighbouring AIN's node
  // id; 0 for a customer's.
  uint32_t pvt_peer = 0;
  std::string kind;          // "pvt" | "customer" | "" (half-open: not known yet)
  std::string state;         // init_sent | auth_sent | half_open | established | rekeyed | deleting
  std::string role;          // "initiator" | "responder" (of this IKE SA)
  std::string spi_i, spi_r;  // 16 hex digits each
  std::string local, remote;  // "addr:port"
  bool nat_local = false, nat_remote = false;
  uint32_t key_bits = 0;
  int64_t age_s = 0, rekey_in_s = -1, expire_in_s = -1, last_heard_s = -1;  // -1: not applicable
  uint32_t rekeys = 0;
  std::string virtual_ip;  // the CP address (§3.15), "" if none
  std::vector<IkeChildRow> children;
};

struct IkeListing {
  std::vector<IkeSaRow> sas;
  std::map<std::string, uint64_t> counters;  // IkeCounters by name; drops as drop_<reason>
};

}  // namespace ainet::daemon
