#include "support/vector_file.h"

#include <gtest/gtest.h>

#include <fstream>

namespace ainet::test {

std::string vector_path(const std::string& name) {
  const char* env = std::getenv("AINET_VECTORS_DIR");
  return std::string(env ? env : AINET_VECTORS_DIR) + "/" + name;
}

static std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::vector<VectorBlock> read_vector_blocks(const std::string& name, const std::string& start_key) {
  return read_vector_blocks_at(vector_path(name), start_key);
}

std::vector<VectorBlock> read_vector_blocks_at(const std::string& path, const std::string& start_key) {
  std::ifstream in(path);
  if (!in) {
    ADD_FAILURE() << "cannot open vector file " << path;
    return {};
  }
  std::vector<VectorBlock> out;
  std::string line;
  bool have = false;
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string k = trim(line.substr(0, eq)), v = trim(line.substr(eq + 1));
    if (k == start_key || !have) {
      out.emplace_back();
      have = true;
    }
    out.back()[k] = v;
  }
  return out;
}

Bytes hex_field(const VectorBlock& b, const std::string& key) {
  auto it = b.find(key);
  if (it == b.end()) return {};
  auto r = from_hex(it->second);
  EXPECT_TRUE(r.ok()) << "bad hex in field " << key;
  return r.ok() ? r.value() : Bytes{};
}

}  // namespace ainet::test
