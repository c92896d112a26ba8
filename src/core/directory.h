// The signed AIN directory (docs/protocol.md "Directory"): a TOML body, then
// a final line `signature = "<128 hex>"`, Ed25519 by the authority key over
// every byte before that line. It lists the AINs, their keys, their PVT
// neighbours and their exit policies; the entrance picks routes from it.
//
// Loading is configuration work, not the packet path: it allocates and
// returns readable messages. It never reads a clock: `now` is a parameter.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/engine_api.h"
#include "crypto/blind_rsa.h"
#include "crypto/kex.h"
#include "util/bytes.h"
#include "util/result.h"
#include "wire/ip_address.h"

namespace ainet::core {

struct AinEntry {
  NodeId id = 0;
  std::string name;
  wire::IpAddress address;         // outer (carrier) address
  crypto::PublicKey identity_key{};  // Ed25519
  crypto::PublicKey onion_key{};     // X25519 static ("B" of the handshake)
  std::vector<NodeId> neighbours;  // as listed; edges need both ends (has_edge)
  std::vector<wire::IpPrefix> exit_policy;  // empty = not an exit
  // RSA-2048 public key that verifies the tickets this AIN issues as an
  // entrance (docs/protocol.md "Tickets"); empty (valid() false) if none.
  crypto::BlindRsaPublicKey ticket_key;

  bool is_exit() const { return !exit_policy.empty(); }
  bool exits_to(const wire::IpAddress& dst) const;
};

class Directory {
 public:
  Directory() = default;

  uint32_t version() const { return version_; }
  uint64_t expires() const { return expires_; }
  const std::vector<AinEntry>& entries() const { return entries_; }
  // nullptr if unknown.
  const AinEntry* find(NodeId id) const;
  // True when both a and b list each other (the PVT graph is undirected).
  bool has_edge(NodeId a, NodeId b) const;
  // The ids that share an edge with id, in directory order; empty if unknown.
  std::span<const NodeId> edges_of(NodeId id) const;

 private:
  friend struct DirectoryBuilder;  // directory.cc: the only writer
  uint32_t version_ = 0;
  uint64_t expires_ = 0;
  std::vector<AinEntry> entries_;
  std::unordered_map<NodeId, size_t> index_;
  std::vector<std::vector<NodeId>> edges_;  // parallel to entries_
};

// Outcome of loading: error == Errc::ok and a usable directory, or an error
// code (bad_signature, expired, malformed) with a message such as
// "line 12: field 'onion_key': expected 64 hex characters".
struct DirectoryLoad {
  Errc error = Errc::ok;
  std::string message;
  Directory directory;

  bool ok() const { return error == Errc::ok; }
};

constexpr uint32_t kDirectoryVersion = 1;
// Size of a ticket_key modulus: the ticket carries a 256-byte signature.
constexpr size_t kTicketKeyBits = 2048;

// Verifies the signature line with authority_public (Ed25519, 32 bytes), then
// parses the body, then refuses it if now_unix_seconds >= expires.
DirectoryLoad load_directory(std::string_view file_text, ByteSpan authority_public,
                             uint64_t now_unix_seconds);

// Parses and checks an unsigned TOML body (no signature line, no expiry
// check). For tools and tests; the daemon uses load_directory.
DirectoryLoad parse_directory_body(std::string_view body_text);

// Builds a directory from entries (tests, simulation). Same consistency
// checks as parsing: non-zero unique ids, known neighbours, no self edges.
DirectoryLoad make_directory(uint32_t version, uint64_t expires, std::vector<AinEntry> entries);

// Returns body (with a trailing '\n' added if missing) followed by the line
// `signature = "<hex>"\n`, signed with the authority's Ed25519 seed.
Result<std::string> sign_directory(std::string_view body_text, ByteSpan authority_seed);

}  // namespace ainet::core
