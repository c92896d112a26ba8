#include "daemon/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "io/unique_fd.h"
#include "util/secret.h"

namespace ainet::config_toml {

namespace {
constexpr size_t kMaxKeyFile = 4096;

std::string octal_mode(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}
}  // namespace

std::string resolve_path(const std::string& base_dir, const std::string& p) {
  if (p.empty() || p[0] == '/' || base_dir.empty()) return p;
  return base_dir + "/" + p;
}

std::string read_key_file(const std::string& path, int64_t line, const std::string& field) {
  const std::string q = "\"" + path + "\"";
  io::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
  if (!fd) fail(line, field, "cannot read " + q + ": " + std::strerror(errno));
  // fstat of the opened file, not stat of the name: what is checked is what is read.
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0)
    fail(line, field, "cannot stat " + q + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) fail(line, field, q + " is not a regular file");
  if (st.st_mode & (S_IRWXG | S_IRWXO))
    fail(line, field,
         q + " is " + ((st.st_mode & (S_IRGRP | S_IROTH)) ? "readable" : "accessible") +
             " by group or others (mode " + octal_mode(st.st_mode) + "): chmod 600 it");
  if (static_cast<size_t>(st.st_size) > kMaxKeyFile)
    fail(line, field,
         q + " is " + std::to_string(st.st_size) + " bytes; a key file holds one hex key");
  std::string text(kMaxKeyFile + 1, '\0');
  size_t got = 0;
  while (got < text.size()) {
    const ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      secure_zero(text.data(), text.size());
      fail(line, field, "cannot read " + q + ": " + std::strerror(errno));
    }
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  if (got > kMaxKeyFile) {
    secure_zero(text.data(), text.size());
    fail(line, field,
         q + " is longer than " + std::to_string(kMaxKeyFile) +
             " bytes; a key file holds one hex key");
  }
  const char* ws = " \t\r\n";
  size_t a = 0, b = got;
  while (a < b && std::strchr(ws, text[a])) ++a;
  while (b > a && std::strchr(ws, text[b - 1])) --b;
  std::string out = text.substr(a, b - a);
  secure_zero(text.data(), text.size());
  return out;
}

std::optional<Bytes> secret_hex(const Section& s, std::string_view key, const std::string& base_dir,
                                size_t bytes, std::string_view what) {
  const std::string file_key = std::string(key) + "_file";
  const toml::node* inline_node = s.get(key);
  const toml::node* file_node = s.get(file_key);
  if (inline_node && file_node)
    fail(line_of(*file_node), s.field(file_key),
         "conflicts with " + s.field(key) + " (line " + std::to_string(line_of(*inline_node)) +
             "); give one");
  if (inline_node)
    return hex_key(s.string_at(*inline_node, key), bytes, what, line_of(*inline_node),
                   s.field(key));
  if (!file_node) return std::nullopt;
  const int64_t line = line_of(*file_node);
  const std::string field = s.field(file_key);
  const std::string path = resolve_path(base_dir, s.string_at(*file_node, file_key));
  if (path.empty()) fail(line, field, "expected a file path, got \"\"");
  std::string text = read_key_file(path, line, field);
  try {
    Bytes k = hex_key(text, bytes, what, line, field, "\"" + path + "\"");
    secure_zero(text.data(), text.size());
    return k;
  } catch (...) {
    secure_zero(text.data(), text.size());
    throw;
  }
}

Bytes required_secret_hex(const Section& s, std::string_view key, const std::string& base_dir,
                          size_t bytes, std::string_view what) {
  std::optional<Bytes> k = secret_hex(s, key, base_dir, bytes, what);
  if (!k) fail(s.line(), s.field(key), "missing (required; or give " + s.field(key) + "_file)");
  return std::move(*k);
}

}  // namespace ainet::config_toml
