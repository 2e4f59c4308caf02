#include "server/Duration.h"

#include <gtest/gtest.h>

namespace wshub::server {
namespace {

TEST(Duration, ParsesEveryUnit) {
  EXPECT_EQ(parse_duration("250ms"), Duration(250));
  EXPECT_EQ(parse_duration("10s"), Duration(10'000));
  EXPECT_EQ(parse_duration("5m"), Duration(300'000));
  EXPECT_EQ(parse_duration("1h"), Duration(3'600'000));
  EXPECT_EQ(parse_duration("0s"), Duration(0));
}

TEST(Duration, RejectsMalformedText) {
  for (const char* text : {"", "10", "s", "ms", "-5s", "+5s", "1.5s", "10 s", " 10s", "10s ", "10S", "10sec",
                           "1d", "10us", "1m30s", "99999999999999999999s"}) {
    EXPECT_FALSE(parse_duration(text)) << text;
  }
}

TEST(Duration, RejectsOverflow) {
  EXPECT_FALSE(parse_duration("9223372036854775807h"));
  EXPECT_TRUE(parse_duration("9223372036854775807ms"));
}

TEST(Duration, BareIntegerMessageSaysTheUnitIsMissing) {
  std::string message = describe_duration_error("10");
  EXPECT_NE(message.find("no unit"), std::string::npos) << message;
  EXPECT_NE(message.find("\"10s\""), std::string::npos) << message;
  EXPECT_NE(describe_duration_error("ten").find("invalid duration \"ten\""), std::string::npos);
}

TEST(Duration, FormatsWithTheLargestExactUnit) {
  EXPECT_EQ(format_duration(Duration(0)), "0s");
  EXPECT_EQ(format_duration(Duration(250)), "250ms");
  EXPECT_EQ(format_duration(Duration(1'500)), "1500ms");
  EXPECT_EQ(format_duration(Duration(10'000)), "10s");
  EXPECT_EQ(format_duration(Duration(90'000)), "90s");
  EXPECT_EQ(format_duration(Duration(300'000)), "5m");
  EXPECT_EQ(format_duration(Duration(7'200'000)), "2h");
}

TEST(Duration, FormatRoundTrips) {
  for (int64_t ms : {0LL, 1LL, 999LL, 1'000LL, 61'000LL, 3'600'000LL, 3'600'001LL, 86'400'000LL}) {
    EXPECT_EQ(parse_duration(format_duration(Duration(ms))), Duration(ms)) << ms;
  }
}

}  // namespace
}  // namespace wshub::server
