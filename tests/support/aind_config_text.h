// Building blocks of aind.toml texts for the config loader's tests
// (tests/unit/daemon/*config_test.cc): every error message names file, line
// and field, so the tests build their texts line by line from these.
#pragma once
#include <gtest/gtest.h>

#include <string>

#include "daemon/config.h"

namespace ainet::test {

// 32 bytes in hex: valid wherever the config takes a key or a TVT secret.
inline const std::string kHexKey32 =
    "176481c1728fcc81756755e1dbdebdd0f3a23f182ba7dfefbcc0e6fa4b973b50";

// [node] and [directory], lines 1-7; node id 1, directory file "dir.toml".
inline std::string aind_config_head() {
  return "[node]\n"                                  // 1
         "id = 1\n"                                  // 2
         "onion_key = \"" + kHexKey32 + "\"\n"       // 3
         "\n"                                        // 4
         "[directory]\n"                             // 5
         "file = \"dir.toml\"\n"                     // 6
         "authority_key = \"" + kHexKey32 + "\"\n";  // 7
}

// The one error message of a text that must not load (as "aind.toml" in
// /etc/ainet); a test failure if it loads.
inline std::string aind_config_error(const std::string& text) {
  daemon::ConfigLoad r = daemon::parse_config(text, "aind.toml", "/etc/ainet");
  EXPECT_FALSE(r.ok);
  return r.error;
}

}  // namespace ainet::test
