#include <gtest/gtest.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <random>

#include "broker/PublicationRing.h"

namespace wshub::broker {
namespace {

PublicationRing::Entry entry(uint64_t offset) {
  auto publication = std::make_shared<hub::Publication>();
  publication->offset = offset;
  return {std::move(publication), Clock::time_point(std::chrono::seconds(offset))};
}

TEST(PublicationRingTest, KeepsTheLastLimitEntriesOldestFirst) {
  PublicationRing ring;
  for (uint64_t o = 1; o <= 20; ++o) ring.push_back(entry(o), 5);
  ASSERT_EQ(ring.size(), 5u);
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(ring[i].publication->offset, 16 + i);
  EXPECT_EQ(ring.capacity(), 5u);
}

TEST(PublicationRingTest, BufferGrowsWithUseNotWithTheLimit) {
  PublicationRing ring;
  ring.push_back(entry(1), 1'000'000);
  EXPECT_EQ(ring.capacity(), 8u);
  for (uint64_t o = 2; o <= 9; ++o) ring.push_back(entry(o), 1'000'000);
  EXPECT_EQ(ring.capacity(), 16u);
  EXPECT_EQ(ring.front().publication->offset, 1u);
}

TEST(PublicationRingTest, DroppingTheLastEntryReleasesTheBuffer) {
  PublicationRing ring;
  for (uint64_t o = 1; o <= 3; ++o) ring.push_back(entry(o), 10);
  std::weak_ptr<const hub::Publication> first = ring.front().publication;
  ring.pop_front();
  EXPECT_TRUE(first.expired());  // the reference goes when the entry does
  ring.pop_front();
  ring.pop_front();
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.capacity(), 0u);
}

TEST(PublicationRingTest, TruncateKeepsTheNewestAndShrinks) {
  PublicationRing ring;
  for (uint64_t o = 1; o <= 12; ++o) ring.push_back(entry(o), 100);
  ring.truncate(4);
  ASSERT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring.capacity(), 4u);
  EXPECT_EQ(ring.front().publication->offset, 9u);
  ring.push_back(entry(13), 4);
  EXPECT_EQ(ring.front().publication->offset, 10u);
  EXPECT_EQ(ring[3].publication->offset, 13u);
}

TEST(PublicationRingTest, MatchesADequeUnderRandomOperations) {
  std::mt19937 random(7);
  PublicationRing ring;
  std::deque<uint64_t> model;
  uint64_t next = 1;
  for (int step = 0; step < 20'000; ++step) {
    const size_t limit = 1 + random() % 40;
    switch (random() % 4) {
      case 0:
      case 1:
        ring.push_back(entry(next), limit);
        model.push_back(next++);
        while (model.size() > limit) model.pop_front();
        break;
      case 2:
        if (!model.empty()) {
          ring.pop_front();
          model.pop_front();
        }
        break;
      case 3:
        ring.truncate(limit);
        while (model.size() > limit) model.pop_front();
        break;
    }
    ASSERT_EQ(ring.size(), model.size());
    ASSERT_GE(ring.capacity(), ring.size());
    for (size_t i = 0; i < model.size(); ++i) ASSERT_EQ(ring[i].publication->offset, model[i]);
  }
}

}  // namespace
}  // namespace wshub::broker
