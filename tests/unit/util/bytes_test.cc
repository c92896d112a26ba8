#include "util/bytes.h"

#include <gtest/gtest.h>

namespace ainet {
namespace {

TEST(ByteReader, ReadsBigEndianAndFailsStickyOnShortInput) {
  const uint8_t buf[] = {0x01, 0x02, 0x03, 0x04, 0x05};
  ByteReader r(buf);
  EXPECT_EQ(r.u16(), 0x0102);
  EXPECT_EQ(r.u16(), 0x0304);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.u32(), 0u);  // only one byte left
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.u8(), 0u);  // stays failed
  EXPECT_EQ(r.remaining(), 0u);
}

TEST(ByteWriter, RefusesToOverrun) {
  uint8_t buf[3] = {};
  ByteWriter w(buf);
  w.u16(0xabcd);
  EXPECT_TRUE(w.ok());
  w.u16(0x1234);
  EXPECT_FALSE(w.ok());
  EXPECT_EQ(buf[0], 0xab);
  EXPECT_EQ(buf[1], 0xcd);
  EXPECT_EQ(buf[2], 0x00);
}

TEST(Hex, RoundTripsAndRejectsGarbage) {
  auto b = from_hex("00ff 10Ab");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(to_hex(*b), "00ff10ab");
  EXPECT_FALSE(from_hex("0g").ok());
  EXPECT_FALSE(from_hex("abc").ok());
}

}  // namespace
}  // namespace ainet
