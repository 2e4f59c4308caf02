#include <gtest/gtest.h>

#include "hub/RequestRateLimit.h"

namespace wshub::hub {
namespace {

using Clock = RequestRateLimit::Clock;
using Verdict = RequestRateLimit::Verdict;
using std::chrono::milliseconds;

const Clock::time_point t0 = Clock::time_point() + std::chrono::hours(1);

RequestRatePolicy policy(double rate, double burst, uint32_t max_refusals, milliseconds window) {
  RequestRatePolicy p;
  p.rate = {rate, burst};
  p.max_refusals = max_refusals;
  p.refusal_window = window;
  return p;
}

TEST(RequestRateLimit, BurstThenRefusals) {
  RequestRatePolicy p = policy(10, 3, 0, milliseconds(1000));
  RequestRateLimit limit;
  limit.start(t0);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(limit.check(p, t0), Verdict::allowed);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(limit.check(p, t0), Verdict::refused);  // 0: never abusive
  EXPECT_EQ(limit.check(p, t0 + milliseconds(100)), Verdict::allowed);
}

TEST(RequestRateLimit, TheNthRefusalWithinTheWindowIsAbuse) {
  RequestRatePolicy p = policy(10, 1, 3, milliseconds(1000));
  RequestRateLimit limit;
  limit.start(t0);
  EXPECT_EQ(limit.check(p, t0), Verdict::allowed);
  EXPECT_EQ(limit.check(p, t0), Verdict::refused);
  EXPECT_EQ(limit.check(p, t0 + milliseconds(10)), Verdict::refused);
  EXPECT_EQ(limit.check(p, t0 + milliseconds(20)), Verdict::abusive);
}

TEST(RequestRateLimit, RefusalsSpreadOverWindowsAreNotAbuse) {
  RequestRatePolicy p = policy(1, 1, 3, milliseconds(1000));
  RequestRateLimit limit;
  limit.start(t0);
  // Two requests every 1.1 s: one allowed, one refused. Each refusal opens a new window,
  // so the count never reaches three.
  for (int s = 0; s < 20; ++s) {
    Clock::time_point now = t0 + milliseconds(1100 * s);
    EXPECT_EQ(limit.check(p, now), Verdict::allowed) << s;
    EXPECT_EQ(limit.check(p, now + milliseconds(1)), Verdict::refused) << s;
  }
}

TEST(RequestRateLimit, ACalmClientIsNeverRefused) {
  RequestRatePolicy p = policy(100, 10, 1, milliseconds(1000));
  RequestRateLimit limit;
  limit.start(t0);
  for (int ms = 0; ms < 10'000; ms += 20) ASSERT_EQ(limit.check(p, t0 + milliseconds(ms)), Verdict::allowed);
}

TEST(RequestRateLimit, UnlimitedByDefault) {
  RequestRatePolicy p;
  RequestRateLimit limit;
  limit.start(t0);
  for (int i = 0; i < 100'000; ++i) ASSERT_EQ(limit.check(p, t0), Verdict::allowed);
}

}  // namespace
}  // namespace wshub::hub
