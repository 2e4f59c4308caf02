#include "server/ByteSize.h"

#include <gtest/gtest.h>

namespace wshub::server {
namespace {

TEST(ByteSize, ParsesPlainNumbersAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("0"), 0u);
  EXPECT_EQ(parse_byte_size("1000"), 1000u);
  EXPECT_EQ(parse_byte_size("512B"), 512u);
  EXPECT_EQ(parse_byte_size("1KiB"), 1024u);
  EXPECT_EQ(parse_byte_size("16MiB"), 16u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("2GiB"), 2ull << 30);
}

TEST(ByteSize, RejectsMalformedText) {
  for (const char* text : {"", "KiB", "-1", "+1", "1.5MiB", "1 KiB", "1kib", "1MB", "1KB", "1K", "16mib",
                           "99999999999999999999", "17179869184GiB"}) {
    EXPECT_FALSE(parse_byte_size(text)) << text;
  }
}

TEST(ByteSize, DecimalUnitsGetASpecificMessage) {
  EXPECT_NE(describe_byte_size_error("16MB").find("KiB, MiB or GiB"), std::string::npos);
  EXPECT_NE(describe_byte_size_error("lots").find("invalid size \"lots\""), std::string::npos);
}

TEST(ByteSize, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(format_byte_size(0), "0");
  EXPECT_EQ(format_byte_size(1000), "1000");
  EXPECT_EQ(format_byte_size(1024), "1KiB");
  EXPECT_EQ(format_byte_size(1536), "1536");
  EXPECT_EQ(format_byte_size(3 * 1024), "3KiB");
  EXPECT_EQ(format_byte_size(16 * 1024 * 1024), "16MiB");
  EXPECT_EQ(format_byte_size(1ull << 30), "1GiB");
  for (uint64_t n : {0ull, 1ull, 1023ull, 1024ull, 1025ull, 1ull << 20, 5ull << 30}) {
    EXPECT_EQ(parse_byte_size(format_byte_size(n)), n) << n;
  }
}

}  // namespace
}  // namespace wshub::server
