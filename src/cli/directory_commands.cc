#include "cli/directory_commands.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <ostream>
#include <sstream>

#include "core/directory.h"
#include "util/bytes.h"
#include "util/secret.h"

namespace ainet::cli {
namespace {

bool read_file(const std::string& path, std::string& out, std::ostream& err, const char* cmd) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    err << "ainctl directory " << cmd << ": cannot read \"" << path << "\": " << std::strerror(errno) << '\n';
    return false;
  }
  std::stringstream ss;
  ss << f.rdbuf();
  out = ss.str();
  return true;
}

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return {};
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

}  // namespace

int directory_sign(const std::string& key_file, const std::string& body_file, std::ostream& out,
                   std::ostream& err) {
  std::string key_text, body;
  if (!read_file(key_file, key_text, err, "sign") || !read_file(body_file, body, err, "sign")) return 1;
  const std::string hex = trim(key_text);
  secure_zero(key_text.data(), key_text.size());
  auto seed = hex.size() == 64 ? from_hex(hex) : Result<Bytes>(Errc::malformed);
  if (!seed) {
    err << "ainctl directory sign: " << key_file << ": expected an Ed25519 seed of 64 hex characters\n";
    return 1;
  }
  Secret<32> key(*seed);
  secure_zero(seed->data(), seed->size());
  core::DirectoryLoad check = core::parse_directory_body(body);
  if (!check.ok()) {
    err << "ainctl directory sign: " << body_file << ": " << check.message << '\n';
    return 1;
  }
  auto signed_text = core::sign_directory(body, key.span());
  if (!signed_text) {
    err << "ainctl directory sign: signing failed (" << to_string(signed_text.error()) << ")\n";
    return 1;
  }
  out << *signed_text;
  return 0;
}

int directory_verify(const std::string& authority_hex, const std::string& file, int64_t now_unix,
                     std::ostream& out, std::ostream& err) {
  auto pub = authority_hex.size() == 64 ? from_hex(authority_hex) : Result<Bytes>(Errc::malformed);
  if (!pub) {
    err << "ainctl directory verify: --authority: expected an Ed25519 public key of 64 hex characters\n";
    return 1;
  }
  std::string text;
  if (!read_file(file, text, err, "verify")) return 1;
  core::DirectoryLoad d = core::load_directory(text, *pub, static_cast<uint64_t>(now_unix < 0 ? 0 : now_unix));
  if (!d.ok()) {
    err << "ainctl directory verify: " << file << ": " << d.message << '\n';
    return 1;
  }
  size_t exits = 0;
  for (const auto& e : d.directory.entries()) exits += e.is_exit() ? 1 : 0;
  out << file << ": good signature; version " << d.directory.version() << ", " << d.directory.entries().size()
      << " AINs (" << exits << " exits), expires " << d.directory.expires() << " (in "
      << (static_cast<int64_t>(d.directory.expires()) - now_unix) / 86400 << " days)\n";
  return 0;
}

}  // namespace ainet::cli
