// When refresh_required goes out and when an unrefreshed connection is closed (4004).
#include <gtest/gtest.h>

#include "hub/TokenExpiry.h"

namespace wshub::hub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = std::chrono::system_clock;

const Clock::time_point kNow = Clock::time_point(seconds(1'800'000'000));

TEST(TokenExpiry, LongTokenGetsTheConfiguredLead) {
  ExpirySchedule s = schedule_expiry(kNow, kNow + seconds(3600), milliseconds(0), seconds(30));
  EXPECT_EQ(s.expire_in, seconds(3600));
  EXPECT_EQ(s.refresh_in, seconds(3570));
}

TEST(TokenExpiry, ShortTokenIsAskedHalfWay) {
  ExpirySchedule s = schedule_expiry(kNow, kNow + seconds(2), milliseconds(0), seconds(30));
  EXPECT_EQ(s.expire_in, seconds(2));
  EXPECT_EQ(s.refresh_in, seconds(1));
}

TEST(TokenExpiry, LeewayMovesTheDeadlineNotTheLead) {
  ExpirySchedule s = schedule_expiry(kNow, kNow + seconds(600), seconds(5), seconds(30));
  EXPECT_EQ(s.expire_in, seconds(605));
  EXPECT_EQ(s.refresh_in, seconds(575));
}

// A token accepted within the leeway after its exp still gets its remaining time.
TEST(TokenExpiry, AcceptedWithinTheLeewayAfterExp) {
  ExpirySchedule s = schedule_expiry(kNow, kNow - seconds(2), seconds(10), seconds(30));
  EXPECT_EQ(s.expire_in, seconds(8));
  EXPECT_EQ(s.refresh_in, seconds(4));
}

TEST(TokenExpiry, PastDeadlineIsNowForBoth) {
  ExpirySchedule s = schedule_expiry(kNow, kNow - seconds(60), milliseconds(0), seconds(30));
  EXPECT_EQ(s.expire_in, milliseconds(0));
  EXPECT_EQ(s.refresh_in, milliseconds(0));
}

// The close must never come early: a fraction of a millisecond rounds up.
TEST(TokenExpiry, RoundsTheDeadlineUp) {
  ExpirySchedule s =
      schedule_expiry(kNow, kNow + std::chrono::microseconds(1500), milliseconds(0), seconds(30));
  EXPECT_EQ(s.expire_in, milliseconds(2));
  EXPECT_EQ(s.refresh_in, milliseconds(1));
}

TEST(TokenExpiry, ExpiryFarAheadDoesNotOverflow) {
  Clock::time_point year_2100 = Clock::time_point(seconds(4'102'444'800));
  ExpirySchedule s = schedule_expiry(kNow, year_2100, seconds(300), seconds(30));
  EXPECT_EQ(s.expire_in, std::chrono::duration_cast<milliseconds>(year_2100 - kNow) + seconds(300));
  EXPECT_EQ(s.refresh_in, s.expire_in - seconds(30));
}

}  // namespace
}  // namespace wshub::hub
