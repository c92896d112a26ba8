// Helpers shared by the IKE unit tests.
#pragma once
#include <gtest/gtest.h>

#include <string_view>

#include "util/bytes.h"

namespace ainet::ike::test {

inline Bytes hex(std::string_view s) {
  auto b = from_hex(s);
  EXPECT_TRUE(b.ok()) << s;
  return b.ok() ? *b : Bytes{};
}

inline ByteSpan str_bytes(std::string_view s) {
  return ByteSpan(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

}  // namespace ainet::ike::test
