#include "server/LogThrottle.h"

#include <gtest/gtest.h>

namespace wshub::server {
namespace {

using std::chrono::milliseconds;

TEST(LogThrottle, OneLineAnIntervalWithTheCountHeldBack) {
  LogThrottle throttle(milliseconds(1000));
  auto t0 = LogThrottle::Clock::time_point() + std::chrono::hours(1);
  EXPECT_EQ(throttle.admit(t0), 0u);
  for (int i = 1; i <= 99; ++i) EXPECT_EQ(throttle.admit(t0 + milliseconds(i)), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1000)), 99u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1500)), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(5000)), 1u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(9000)), 0u);
}

}  // namespace
}  // namespace wshub::server

namespace wshub::server {
namespace {

TEST(LogThrottle, ABurstOfLinesAnIntervalThenTheSuppressedCount) {
  using std::chrono::milliseconds;
  LogThrottle throttle(milliseconds(1000), 3);
  auto t0 = LogThrottle::Clock::time_point() + std::chrono::hours(1);
  EXPECT_EQ(throttle.admit(t0), 0u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1)), 0u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(2)), 0u);
  for (int i = 3; i < 50; ++i) EXPECT_EQ(throttle.admit(t0 + milliseconds(i)), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1000)), 47u);  // "suppressed 47 similar"
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1001)), 0u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1002)), 0u);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(1003)), std::nullopt);
  EXPECT_EQ(throttle.admit(t0 + milliseconds(3000)), 1u);
}

}  // namespace
}  // namespace wshub::server
