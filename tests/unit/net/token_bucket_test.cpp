#include <gtest/gtest.h>

#include "net/TokenBucket.h"

namespace wshub::net {
namespace {

using Clock = TokenBucket::Clock;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

int take_all(TokenBucket& bucket, const TokenRate& rate, Clock::time_point now) {
  int n = 0;
  while (n < 1'000'000 && bucket.try_take(rate, now)) ++n;
  return n;
}

TEST(TokenBucket, StartsFullWithTheBurst) {
  TokenRate rate(10, 5);
  TokenBucket bucket;
  bucket.fill(t0);
  EXPECT_EQ(take_all(bucket, rate, t0), 5);
  EXPECT_FALSE(bucket.try_take(rate, t0));
}

TEST(TokenBucket, RefillsAtTheRate) {
  TokenRate rate(10, 5);  // one token every 100 ms
  TokenBucket bucket;
  bucket.fill(t0);
  take_all(bucket, rate, t0);
  EXPECT_FALSE(bucket.try_take(rate, t0 + milliseconds(99)));
  EXPECT_TRUE(bucket.try_take(rate, t0 + milliseconds(100)));
  EXPECT_FALSE(bucket.try_take(rate, t0 + milliseconds(150)));
  EXPECT_EQ(take_all(bucket, rate, t0 + milliseconds(400)), 3);   // 0.5 left at 150, +2.5 by 400
  EXPECT_EQ(take_all(bucket, rate, t0 + milliseconds(1000)), 5);  // full again after 500 ms idle
}

TEST(TokenBucket, NeverHoldsMoreThanTheBurst) {
  TokenRate rate(1000, 3);
  TokenBucket bucket;
  bucket.fill(t0);
  take_all(bucket, rate, t0);
  EXPECT_EQ(take_all(bucket, rate, t0 + std::chrono::hours(5)), 3);
}

TEST(TokenBucket, SustainedRateOverALongRun) {
  TokenRate rate(50, 10);
  TokenBucket bucket;
  bucket.fill(t0);
  // A client trying every millisecond for 10 s gets the burst plus rate x 10 s.
  int admitted = 0;
  for (int ms = 0; ms <= 10'000; ++ms) admitted += bucket.try_take(rate, t0 + milliseconds(ms));
  EXPECT_NEAR(admitted, 10 + 50 * 10, 2);
}

TEST(TokenBucket, TimeGoingBackwardsAddsNothing) {
  TokenRate rate(10, 2);
  TokenBucket bucket;
  bucket.fill(t0);
  take_all(bucket, rate, t0);
  EXPECT_FALSE(bucket.try_take(rate, t0 - std::chrono::seconds(10)));
  EXPECT_FALSE(bucket.try_take(rate, t0));  // and the earlier time did not reset the clock
  EXPECT_TRUE(bucket.try_take(rate, t0 + milliseconds(100)));
}

TEST(TokenBucket, ZeroRateIsUnlimited) {
  TokenRate rate(0, 1);
  EXPECT_TRUE(rate.unlimited());
  EXPECT_TRUE(TokenRate().unlimited());
  TokenBucket bucket;
  bucket.fill(t0);
  for (int i = 0; i < 10'000; ++i) ASSERT_TRUE(bucket.try_take(rate, t0));
}

TEST(TokenBucket, FractionalRates) {
  TokenRate rate(0.5, 1);  // one token every 2 s
  TokenBucket bucket;
  bucket.fill(t0);
  EXPECT_TRUE(bucket.try_take(rate, t0));
  EXPECT_FALSE(bucket.try_take(rate, t0 + milliseconds(1999)));
  EXPECT_TRUE(bucket.try_take(rate, t0 + milliseconds(2000)));
}

}  // namespace
}  // namespace wshub::net
