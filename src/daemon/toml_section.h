// Reading a TOML configuration table by table, with one clear error that
// names the line and the dotted field. Shared by aind's config
// (daemon/config.cc) and the customer endpoint's (endpoint/endpoint_config.cc).
// Errors are thrown as ConfigError inside a loader and turned into one
// "file:line: field: message" at its edge; never used on the packet path.
#pragma once
#include <toml++/toml.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <string_view>

#include "util/bytes.h"
#include "wire/ip_address.h"

namespace ainet::config_toml {

// The first problem found; parsing stops there (one clear message).
struct ConfigError {
  int64_t line;
  std::string field;
  std::string what;
};

[[noreturn]] inline void fail(int64_t line, std::string field, std::string what) {
  throw ConfigError{line, std::move(field), std::move(what)};
}

inline int64_t line_of(const toml::node& n) { return static_cast<int64_t>(n.source().begin.line); }

inline std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
    default: return "nothing";
  }
}

// A table being read: its dotted path for messages, and the keys read so far
// are checked against the allowed ones first.
class Section {
 public:
  Section(const toml::table& t, std::string path, std::initializer_list<std::string_view> allowed)
      : t_(t), path_(std::move(path)) {
    for (auto&& [k, v] : t_) {
      bool known = false;
      for (std::string_view a : allowed) known = known || k.str() == a;
      if (!known) fail(line_of(v), field(k.str()), "unknown key");
    }
  }
  int64_t line() const { return line_of(t_); }
  const std::string& path() const { return path_; }
  std::string field(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const toml::node* get(std::string_view key) const { return t_.get(key); }
  bool has(std::string_view key) const { return t_.contains(key); }
  const toml::node& require(std::string_view key) const {
    const toml::node* n = get(key);
    if (!n) fail(line(), field(key), "missing (required)");
    return *n;
  }

  int64_t integer(std::string_view key, int64_t lo, int64_t hi) const { return integer_at(require(key), key, lo, hi); }
  int64_t integer_or(std::string_view key, int64_t def, int64_t lo, int64_t hi) const {
    const toml::node* n = get(key);
    return n ? integer_at(*n, key, lo, hi) : def;
  }
  bool boolean_or(std::string_view key, bool def) const {
    const toml::node* n = get(key);
    if (!n) return def;
    if (!n->is_boolean()) fail(line_of(*n), field(key), "expected true or false, got " + type_name(*n));
    return n->as_boolean()->get();
  }
  std::string string(std::string_view key) const { return string_at(require(key), key); }
  std::string string_or(std::string_view key, std::string def) const {
    const toml::node* n = get(key);
    return n ? string_at(*n, key) : def;
  }
  int64_t integer_at(const toml::node& n, std::string_view key, int64_t lo, int64_t hi) const {
    if (!n.is_integer()) fail(line_of(n), field(key), "expected an integer, got " + type_name(n));
    const int64_t v = n.as_integer()->get();
    if (v < lo || v > hi)
      fail(line_of(n), field(key),
           "expected " + std::to_string(lo) + ".." + std::to_string(hi) + ", got " + std::to_string(v));
    return v;
  }
  // A string that must be one of `names`: the index of the one given
  // (choice: the key is required; choice_or: def when it is absent).
  // Anything else: "expected \"a\", \"b\" or \"c\", got \"x\"".
  size_t choice(std::string_view key, std::initializer_list<std::string_view> names) const {
    return choice_at(require(key), key, names);
  }
  size_t choice_or(std::string_view key, size_t def, std::initializer_list<std::string_view> names) const {
    const toml::node* n = get(key);
    return n ? choice_at(*n, key, names) : def;
  }
  size_t choice_at(const toml::node& n, std::string_view key, std::initializer_list<std::string_view> names) const {
    const std::string v = string_at(n, key);
    std::string list;
    size_t i = 0;
    for (std::string_view name : names) {
      if (v == name) return i;
      if (i > 0) list += i + 1 == names.size() ? " or " : ", ";
      list += "\"" + std::string(name) + "\"";
      ++i;
    }
    fail(line_of(n), field(key), "expected " + list + ", got \"" + v + "\"");
  }
  std::string string_at(const toml::node& n, std::string_view key) const {
    if (!n.is_string()) fail(line_of(n), field(key), "expected a string, got " + type_name(n));
    return n.as_string()->get();
  }
  // A sub-table (required or optional).
  const toml::table* table(std::string_view key, bool required) const {
    const toml::node* n = required ? &require(key) : get(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(line_of(*n), field(key), "expected a table, got " + type_name(*n));
    return n->as_table();
  }

  // A required sub-table, by reference.
  const toml::table& table_ref(std::string_view key) const { return *table(key, true); }
  wire::IpAddress address(std::string_view key) const {
    const toml::node& n = require(key);
    const std::string text = string_at(n, key);
    auto a = wire::IpAddress::parse(text);
    if (!a) fail(line_of(n), field(key), "expected an IPv4 or IPv6 address, got \"" + text + "\"");
    return *a;
  }
  // A non-empty array of strings, each handed to `each(line, field, text)`.
  template <typename F>
  void strings(std::string_view key, std::string_view what, F&& each) const {
    const toml::node& n = require(key);
    if (!n.is_array())
      fail(line_of(n), field(key), "expected an array of " + std::string(what) + ", got " + type_name(n));
    if (n.as_array()->empty()) fail(line_of(n), field(key), "empty (give at least one)");
    size_t i = 0;
    for (const toml::node& e : *n.as_array()) {
      const std::string f = field(key) + "[" + std::to_string(i++) + "]";
      if (!e.is_string()) fail(line_of(e), f, "expected a string, got " + type_name(e));
      each(line_of(e), f, e.as_string()->get());
    }
  }

 private:
  const toml::table& t_;
  std::string path_;
};

// Hex key of exactly `bytes` bytes. `what` explains the size in messages.
inline Bytes hex_key(std::string_view text, size_t bytes, std::string_view what, int64_t line,
              const std::string& field, std::string_view source = {}) {
  const std::string prefix = source.empty() ? "" : std::string(source) + ": ";
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex)
      fail(line, field,
           prefix + "expected hex characters, found '" + std::string(1, c) + "' at position " + std::to_string(i));
  }
  if (text.size() != bytes * 2)
    fail(line, field,
         prefix + "expected " + std::to_string(bytes * 2) + " hex characters (" + std::string(what) + "), got " +
             std::to_string(text.size()));
  auto b = from_hex(text);
  if (!b) fail(line, field, prefix + "not valid hex");
  return std::move(b).value();
}


// The whole file at `path` into *text; "" on success, else
// "<path>: cannot read: <reason>" (the loaders' one message).
inline std::string read_config_file(const std::string& path, std::string* text) {
  std::ifstream f(path);
  if (!f) return path + ": cannot read: " + std::strerror(errno);
  std::stringstream ss;
  ss << f.rdbuf();
  *text = ss.str();
  return {};
}

// Parses `text` (named `name` in messages) and hands the root table to
// `read`, which may throw ConfigError. Returns "" on success, else the one
// "name:line: ..." message. Non-ASCII bytes are refused first: toml++ 3.3.0
// misbehaves on some non-ASCII code points (upstream #295, found by fuzzing
// the directory parser), and a config file needs none.
template <typename F>
std::string parse_and_read(std::string_view text, const std::string& name, F&& read) {
  int64_t line = 1;
  for (unsigned char ch : text) {
    if (ch == '\n') ++line;
    if (ch >= 0x80) {
      static constexpr char kDigits[] = "0123456789abcdef";
      const std::string hex = std::string("0x") + kDigits[ch >> 4] + kDigits[ch & 15];
      return name + ":" + std::to_string(line) + ": non-ASCII byte " + hex + " (the file must be ASCII)";
    }
  }
  try {
    toml::table root = toml::parse(text, name);
    read(root);
  } catch (const toml::parse_error& e) {
    return name + ":" + std::to_string(e.source().begin.line) + ": TOML syntax error: " +
           std::string(e.description());
  } catch (const ConfigError& e) {
    return name + ":" + std::to_string(e.line) + ": " + e.field + ": " + e.what;
  }
  return {};
}

}  // namespace ainet::config_toml
