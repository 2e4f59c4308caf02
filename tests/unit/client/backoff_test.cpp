#include "Backoff.h"

#include <gtest/gtest.h>

using namespace wshub::client;
using std::chrono::milliseconds;

TEST(Backoff, CeilingGrowsByTheFactorUpToTheCap) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0}, [] { return 0.5; });
  EXPECT_EQ(b.ceiling(0), milliseconds(100));
  EXPECT_EQ(b.ceiling(1), milliseconds(200));
  EXPECT_EQ(b.ceiling(3), milliseconds(800));
  EXPECT_EQ(b.ceiling(4), milliseconds(1000));
  EXPECT_EQ(b.ceiling(5000), milliseconds(1000));  // pow overflows to infinity: still the cap
}

TEST(Backoff, FullJitterScalesTheCeilingByTheDraw) {
  double u = 0.0;
  Backoff b({milliseconds(100), milliseconds(1000), 2.0}, [&] { return u; });
  u = 0.0;
  EXPECT_EQ(b.next(), milliseconds(0));
  u = 0.5;
  EXPECT_EQ(b.next(), milliseconds(100));  // attempt 1: ceiling 200
  u = 0.999;
  EXPECT_EQ(b.next(), milliseconds(399));  // attempt 2: ceiling 400
  EXPECT_EQ(b.attempt(), 3u);
}

TEST(Backoff, ResetStartsAgainFromTheMinimum) {
  Backoff b({milliseconds(100), milliseconds(1000), 2.0}, [] { return 0.999999; });
  for (int i = 0; i < 10; ++i) b.next();
  EXPECT_EQ(b.next(), milliseconds(999));
  b.reset();
  EXPECT_EQ(b.next(), milliseconds(99));
}

TEST(Backoff, DefaultSourceStaysInRange) {
  auto u = default_uniform01();
  for (int i = 0; i < 1000; ++i) {
    const double v = u();
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
}
