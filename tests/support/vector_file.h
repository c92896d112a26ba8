// Reader for the "KEY = value" known-answer files in ../shared/vectors/rfc.
// A new block starts at each occurrence of start_key (e.g. "CASE", "COUNT").
#pragma once
#include <map>
#include <string>
#include <vector>

#include "util/bytes.h"

namespace ainet::test {

using VectorBlock = std::map<std::string, std::string>;

// Path of a vector file by name, e.g. vector_path("rfc4868_hmac_sha256_128.txt").
std::string vector_path(const std::string& name);
// Parses the file; fails the calling test (ADD_FAILURE) and returns {} if it is missing.
std::vector<VectorBlock> read_vector_blocks(const std::string& name, const std::string& start_key);
// Same, for a file given by its full path (vectors committed in this
// repository, e.g. tests/kat/vectors/).
std::vector<VectorBlock> read_vector_blocks_at(const std::string& path, const std::string& start_key);
// Hex field of a block ("" if absent). Aborts the test on bad hex.
Bytes hex_field(const VectorBlock& b, const std::string& key);

}  // namespace ainet::test
