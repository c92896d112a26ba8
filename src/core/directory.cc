#include "core/directory.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_set>

namespace ainet::core {
namespace {

constexpr std::string_view kSignaturePrefix = "signature = \"";
constexpr size_t kSignatureHexLen = 2 * crypto::kEd25519SigSize;

DirectoryLoad refuse(Errc e, std::string msg) {
  DirectoryLoad d;
  d.error = e;
  d.message = std::move(msg);
  return d;
}

std::string at_line(uint32_t line, std::string_view field, std::string_view what) {
  std::string s = "line " + std::to_string(line) + ": field '";
  s += field;
  s += "': ";
  s += what;
  return s;
}

uint32_t line_of(const toml::node& n) { return n.source().begin.line; }

}  // namespace

struct DirectoryBuilder {
  static DirectoryLoad build(uint32_t version, uint64_t expires, std::vector<AinEntry> entries,
                             const std::vector<uint32_t>& lines);
};


// Cross-entry checks shared by parsing and make_directory. lines[i] is the
// line of entry i for messages (empty when built in code).
DirectoryLoad DirectoryBuilder::build(uint32_t version, uint64_t expires, std::vector<AinEntry> entries,
                    const std::vector<uint32_t>& lines) {
  const auto where = [&](size_t i, std::string_view field, std::string_view what) {
    std::string f = "ain[" + std::to_string(i) + "].";
    f += field;
    return lines.empty() ? "field '" + f + "': " + std::string(what)
                         : at_line(lines[i], f, what);
  };
  DirectoryLoad out;
  Directory& d = out.directory;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (entries[i].id == 0) return refuse(Errc::malformed, where(i, "id", "must be non-zero"));
    if (!d.index_.emplace(entries[i].id, i).second)
      return refuse(Errc::malformed,
                    where(i, "id", "duplicate id " + std::to_string(entries[i].id)));
  }
  d.edges_.resize(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    std::unordered_set<NodeId> seen;
    for (NodeId n : entries[i].neighbours) {
      if (n == entries[i].id)
        return refuse(Errc::malformed, where(i, "neighbours", "lists its own id"));
      if (!seen.insert(n).second)
        return refuse(Errc::malformed,
                      where(i, "neighbours", "lists " + std::to_string(n) + " twice"));
      auto it = d.index_.find(n);
      if (it == d.index_.end())
        return refuse(Errc::malformed,
                      where(i, "neighbours", "unknown AIN id " + std::to_string(n)));
      const auto& back = entries[it->second].neighbours;
      // The PVT graph is undirected: an edge needs both ends to list it.
      if (std::find(back.begin(), back.end(), entries[i].id) != back.end())
        d.edges_[i].push_back(n);
    }
  }
  d.version_ = version;
  d.expires_ = expires;
  d.entries_ = std::move(entries);
  return out;
}

namespace {

std::optional<crypto::PublicKey> parse_key(const toml::node* n) {
  const auto* s = n ? n->as_string() : nullptr;
  if (!s || s->get().size() != 64) return std::nullopt;
  auto b = from_hex(s->get());
  if (!b || b->size() != 32) return std::nullopt;
  crypto::PublicKey k;
  std::memcpy(k.data(), b->data(), 32);
  return k;
}

// docs/protocol.md "Tickets": the issuer key is RSA-2048 (the ticket carries
// a 256-byte signature) with e = 65537, as a hex DER SubjectPublicKeyInfo
// (rsaEncryption; canonical DER, nothing after it).
Result<crypto::BlindRsaPublicKey> parse_ticket_key(const toml::node* n) {
  const auto* s = n ? n->as_string() : nullptr;
  // A 2048-bit SPKI is 294 bytes; anything much longer is not one.
  if (!s || s->get().empty() || s->get().size() > 2 * 1024) return Errc::malformed;
  auto der = from_hex(s->get());
  if (!der || 2 * der->size() != s->get().size()) return Errc::malformed;
  auto key = crypto::BlindRsaPublicKey::from_spki_der(*der);
  if (!key || key->modulus_bits() != kTicketKeyBits || key->public_exponent() != 65537)
    return Errc::malformed;
  return key;
}

DirectoryLoad parse_entry(const toml::table& t, size_t idx, AinEntry& e) {
  const std::string pre = "ain[" + std::to_string(idx) + "].";
  const auto bad = [&](const toml::node& n, std::string_view field, std::string_view what) {
    return refuse(Errc::malformed, at_line(line_of(n), pre + std::string(field), what));
  };
  static constexpr std::string_view kKnown[] = {"id",         "name",      "address",
                                                "identity_key", "onion_key", "neighbours",
                                                "exit_policy", "ticket_key"};
  for (const auto& [key, node] : t) {
    if (std::find(std::begin(kKnown), std::end(kKnown), key.str()) == std::end(kKnown))
      return bad(node, key.str(), "unknown field");
  }
  for (std::string_view req : {"id", "name", "address", "identity_key", "onion_key", "neighbours"})
    if (!t.contains(req)) return bad(t, req, "missing");

  const auto* id = t.get("id")->as_integer();
  if (!id || id->get() <= 0 || id->get() > int64_t{UINT32_MAX})
    return bad(*t.get("id"), "id", "expected an integer in 1..4294967295");
  e.id = static_cast<NodeId>(id->get());

  const auto* name = t.get("name")->as_string();
  if (!name || name->get().empty()) return bad(*t.get("name"), "name", "expected a non-empty string");
  e.name = name->get();

  const auto* addr = t.get("address")->as_string();
  auto ip = addr ? wire::IpAddress::parse(addr->get()) : Result<wire::IpAddress>(Errc::malformed);
  if (!ip) return bad(*t.get("address"), "address", "expected an IPv4 or IPv6 address string");
  e.address = *ip;

  auto ik = parse_key(t.get("identity_key"));
  if (!ik) return bad(*t.get("identity_key"), "identity_key", "expected 64 hex characters");
  e.identity_key = *ik;
  auto ok = parse_key(t.get("onion_key"));
  if (!ok) return bad(*t.get("onion_key"), "onion_key", "expected 64 hex characters");
  e.onion_key = *ok;

  const auto* nb = t.get("neighbours")->as_array();
  if (!nb) return bad(*t.get("neighbours"), "neighbours", "expected an array of AIN ids");
  for (const auto& n : *nb) {
    const auto* v = n.as_integer();
    if (!v || v->get() <= 0 || v->get() > int64_t{UINT32_MAX})
      return bad(n, "neighbours", "expected an integer in 1..4294967295");
    e.neighbours.push_back(static_cast<NodeId>(v->get()));
  }

  if (const auto* ep_node = t.get("exit_policy")) {
    const auto* ep = ep_node->as_array();
    if (!ep) return bad(*ep_node, "exit_policy", "expected an array of prefixes");
    for (const auto& n : *ep) {
      const auto* s = n.as_string();
      auto p = s ? wire::IpPrefix::parse(s->get()) : Result<wire::IpPrefix>(Errc::malformed);
      if (!p) return bad(n, "exit_policy", "expected a prefix such as \"10.0.0.0/8\"");
      e.exit_policy.push_back(*p);
    }
  }

  if (const auto* tk = t.get("ticket_key")) {
    auto key = parse_ticket_key(tk);
    if (!key)
      return bad(*tk, "ticket_key",
                 "expected the hex of the DER SubjectPublicKeyInfo of an RSA-2048 key with e = 65537");
    e.ticket_key = std::move(*key);
  }
  return {};
}

}  // namespace

bool AinEntry::exits_to(const wire::IpAddress& dst) const {
  return std::any_of(exit_policy.begin(), exit_policy.end(),
                     [&](const wire::IpPrefix& p) { return p.contains(dst); });
}

const AinEntry* Directory::find(NodeId id) const {
  auto it = index_.find(id);
  return it == index_.end() ? nullptr : &entries_[it->second];
}

std::span<const NodeId> Directory::edges_of(NodeId id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return {};
  return edges_[it->second];
}

bool Directory::has_edge(NodeId a, NodeId b) const {
  auto e = edges_of(a);
  return std::find(e.begin(), e.end(), b) != e.end();
}

DirectoryLoad make_directory(uint32_t version, uint64_t expires, std::vector<AinEntry> entries) {
  return DirectoryBuilder::build(version, expires, std::move(entries), {});
}

DirectoryLoad parse_directory_body(std::string_view body_text) {
  // The directory is ASCII (docs/protocol.md "Directory"). Checking that
  // before toml++ sees the text also keeps us clear of toml++ 3.3.0's
  // undefined behaviour on some non-ASCII code points (upstream
  // marzer/tomlplusplus#295, found by tests/fuzz/fuzz_directory.cc).
  uint32_t line = 1;
  for (char ch : body_text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      ++line;
    } else if (c >= 0x80 || c == 0x7f || (c < 0x20 && c != '\t' && c != '\r')) {
      return refuse(Errc::malformed,
                    "line " + std::to_string(line) + ": non-ASCII or control byte (the directory is ASCII)");
    }
  }
  toml::table root;
  try {
    root = toml::parse(body_text);
  } catch (const toml::parse_error& err) {
    return refuse(Errc::malformed, "line " + std::to_string(err.source().begin.line) +
                                       ": TOML syntax: " + std::string(err.description()));
  }
  for (const auto& [key, node] : root) {
    if (key.str() != "version" && key.str() != "expires" && key.str() != "ain")
      return refuse(Errc::malformed, at_line(line_of(node), key.str(), "unknown field"));
  }
  const auto* ver = root.get("version");
  if (!ver) return refuse(Errc::malformed, "line 1: field 'version': missing");
  if (!ver->as_integer() || ver->as_integer()->get() != kDirectoryVersion)
    return refuse(Errc::malformed, at_line(line_of(*ver), "version", "expected 1"));
  const auto* exp = root.get("expires");
  if (!exp) return refuse(Errc::malformed, "line 1: field 'expires': missing");
  if (!exp->as_integer() || exp->as_integer()->get() < 0)
    return refuse(Errc::malformed,
                  at_line(line_of(*exp), "expires", "expected unix seconds (integer >= 0)"));
  std::vector<AinEntry> entries;
  std::vector<uint32_t> lines;
  if (const auto* ain = root.get("ain")) {
    const auto* arr = ain->as_array();
    if (!arr) return refuse(Errc::malformed, at_line(line_of(*ain), "ain", "expected [[ain]] tables"));
    for (size_t i = 0; i < arr->size(); ++i) {
      const auto* t = (*arr)[i].as_table();
      if (!t) return refuse(Errc::malformed, at_line(line_of((*arr)[i]), "ain", "expected a table"));
      AinEntry e;
      DirectoryLoad r = parse_entry(*t, i, e);
      if (!r.ok()) return r;
      entries.push_back(std::move(e));
      lines.push_back(line_of(*t));
    }
  }
  return DirectoryBuilder::build(kDirectoryVersion, static_cast<uint64_t>(exp->as_integer()->get()),
               std::move(entries), lines);
}

DirectoryLoad load_directory(std::string_view text, ByteSpan authority_public,
                             uint64_t now_unix_seconds) {
  if (authority_public.size() != crypto::kEd25519KeySize)
    return refuse(Errc::invalid_argument, "authority public key must be 32 bytes");
  // The signature line is the last line; the signed bytes are everything before it.
  std::string_view t = text;
  if (!t.empty() && t.back() == '\n') t.remove_suffix(1);
  const size_t nl = t.rfind('\n');
  const size_t start = nl == std::string_view::npos ? 0 : nl + 1;
  const std::string_view line = t.substr(start);
  if (line.size() != kSignaturePrefix.size() + kSignatureHexLen + 1 ||
      line.substr(0, kSignaturePrefix.size()) != kSignaturePrefix || line.back() != '"')
    return refuse(Errc::bad_signature, "last line is not signature = \"<128 hex>\"");
  auto sig = from_hex(line.substr(kSignaturePrefix.size(), kSignatureHexLen));
  if (!sig || sig->size() != crypto::kEd25519SigSize)
    return refuse(Errc::bad_signature, "signature line does not hold 128 hex characters");
  const std::string_view body = text.substr(0, start);
  const ByteSpan msg(reinterpret_cast<const uint8_t*>(body.data()), body.size());
  // Verify before parsing: untrusted TOML never reaches the parser.
  if (crypto::ed25519_verify(authority_public, msg, *sig) != Errc::ok)
    return refuse(Errc::bad_signature, "signature does not verify with the authority key");
  DirectoryLoad d = parse_directory_body(body);
  if (!d.ok()) return d;
  if (now_unix_seconds >= d.directory.expires())
    return refuse(Errc::expired, "directory expired at " + std::to_string(d.directory.expires()) +
                                     " (now " + std::to_string(now_unix_seconds) + ")");
  return d;
}

Result<std::string> sign_directory(std::string_view body_text, ByteSpan authority_seed) {
  std::string body(body_text);
  if (!body.empty() && body.back() != '\n') body.push_back('\n');
  auto sig = crypto::ed25519_sign(
      authority_seed, ByteSpan(reinterpret_cast<const uint8_t*>(body.data()), body.size()));
  if (!sig) return sig.error();
  body += kSignaturePrefix;
  body += to_hex(*sig);
  body += "\"\n";
  return body;
}

}  // namespace ainet::core
