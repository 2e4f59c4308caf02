#include "SequenceTracker.h"

#include <gtest/gtest.h>

namespace wshub::bench {
namespace {

TEST(SequenceTracker, InOrderIsFresh) {
  SequenceTracker t;
  for (uint64_t s = 0; s < 200; ++s) EXPECT_EQ(t.record(s), Arrival::fresh);
}

TEST(SequenceTracker, RepeatsAreDuplicates) {
  SequenceTracker t;
  EXPECT_EQ(t.record(5), Arrival::fresh);
  EXPECT_EQ(t.record(5), Arrival::duplicate);
  EXPECT_EQ(t.record(6), Arrival::fresh);
  EXPECT_EQ(t.record(5), Arrival::duplicate);
}

TEST(SequenceTracker, LateArrivalsAreReorderedOnceThenDuplicates) {
  SequenceTracker t;
  EXPECT_EQ(t.record(0), Arrival::fresh);
  EXPECT_EQ(t.record(3), Arrival::fresh);  // 1 and 2 missing so far
  EXPECT_EQ(t.record(2), Arrival::reordered);
  EXPECT_EQ(t.record(2), Arrival::duplicate);
  EXPECT_EQ(t.record(1), Arrival::reordered);
  EXPECT_EQ(t.record(0), Arrival::duplicate);
}

TEST(SequenceTracker, WindowEdges) {
  SequenceTracker t;
  EXPECT_EQ(t.record(0), Arrival::fresh);
  EXPECT_EQ(t.record(64), Arrival::fresh);  // 0 is now exactly 64 below: still in the map
  EXPECT_EQ(t.record(0), Arrival::duplicate);
  EXPECT_EQ(t.record(1000), Arrival::fresh);  // a jump past the window clears it
  EXPECT_EQ(t.record(999), Arrival::reordered);
  EXPECT_EQ(t.record(64), Arrival::reordered);  // too old to tell: counted as reordered
}

}  // namespace
}  // namespace wshub::bench
