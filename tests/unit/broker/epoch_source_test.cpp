#include <gtest/gtest.h>

#include <string>
#include <unordered_set>

#include "broker/EpochSource.h"

namespace wshub::broker {
namespace {

TEST(EpochSourceTest, EpochsAreShortLowercaseBase36) {
  EpochSource epochs(42);
  for (int i = 0; i < 1000; ++i) {
    const std::string epoch = epochs.next();
    ASSERT_EQ(epoch.size(), EpochSource::kLength);
    for (char c : epoch) EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z')) << epoch;
  }
}

TEST(EpochSourceTest, ConsecutiveEpochsDiffer) {
  EpochSource epochs(EpochSource::random_seed());
  std::unordered_set<std::string> seen;
  for (int i = 0; i < 100'000; ++i) EXPECT_TRUE(seen.insert(epochs.next()).second);
}

TEST(EpochSourceTest, TheSeedDecidesTheSequence) {
  EpochSource a(1), b(1), c(2);
  const std::string first = a.next();
  EXPECT_EQ(first, b.next());
  EXPECT_NE(first, c.next());
  EXPECT_NE(first, a.next());
}

TEST(EpochSourceTest, TwoRunsStartWithDifferentEpochs) {
  // A restarted process must not reuse the epoch clients hold from the previous run.
  EXPECT_NE(EpochSource().next(), EpochSource().next());
}

}  // namespace
}  // namespace wshub::broker
