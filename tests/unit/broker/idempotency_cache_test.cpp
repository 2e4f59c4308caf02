#include <gtest/gtest.h>

#include <string>

#include "broker/IdempotencyCache.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart{std::chrono::hours(1)};

TEST(IdempotencyCacheTest, RemembersUntilTheDeadline) {
  IdempotencyCache cache(10);
  cache.insert("ch", "k", {3, "e"}, kStart + 10s, kStart);
  const hub::StreamPosition* found = cache.find("ch", "k", kStart + 9s);
  ASSERT_NE(found, nullptr);
  EXPECT_EQ(found->offset, 3u);
  EXPECT_EQ(found->epoch, "e");
  EXPECT_EQ(cache.find("ch", "k", kStart + 10s), nullptr);
  EXPECT_EQ(cache.find("ch", "other", kStart), nullptr);
  EXPECT_EQ(cache.find("other", "k", kStart), nullptr);
}

TEST(IdempotencyCacheTest, ChannelAndKeyCannotBeConfused) {
  IdempotencyCache cache(10);
  cache.insert("a:b", "c", {1, "e"}, kStart + 10s, kStart);
  EXPECT_EQ(cache.find("a", "b:c", kStart), nullptr);
  EXPECT_EQ(cache.find("a:", "bc", kStart), nullptr);
  EXPECT_NE(cache.find("a:b", "c", kStart), nullptr);
}

TEST(IdempotencyCacheTest, CapacityEvictsInInsertionOrder) {
  IdempotencyCache cache(3);
  for (int i = 0; i < 5; ++i) cache.insert("ch", std::to_string(i), {uint64_t(i), ""}, kStart + 1h, kStart);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(cache.find("ch", "1", kStart), nullptr);
  EXPECT_NE(cache.find("ch", "2", kStart), nullptr);
  EXPECT_NE(cache.find("ch", "4", kStart), nullptr);
}

TEST(IdempotencyCacheTest, ReinsertingAnExpiredKeyLeavesOneLiveEntry) {
  IdempotencyCache cache(2);
  cache.insert("ch", "k", {1, ""}, kStart + 1s, kStart);
  cache.insert("ch", "long", {2, ""}, kStart + 1h, kStart);
  // "k" expired and is the oldest record, so the insert's expire() drops it first.
  cache.insert("ch", "k", {3, ""}, kStart + 1h, kStart + 2s);
  EXPECT_EQ(cache.size(), 2u);
  EXPECT_EQ(cache.find("ch", "k", kStart + 2s)->offset, 3u);
  EXPECT_EQ(cache.find("ch", "long", kStart + 2s)->offset, 2u);
}

TEST(IdempotencyCacheTest, StaleRecordsCountTowardTheBound) {
  IdempotencyCache cache(2);
  cache.insert("ch", "long", {1, ""}, kStart + 1h, kStart);
  cache.insert("ch", "k", {2, ""}, kStart + 1s, kStart);
  // "k" expired behind the live "long": re-storing it leaves a stale record, and the bound of
  // two records evicts "long" early rather than letting records pile up.
  cache.insert("ch", "k", {3, ""}, kStart + 1h, kStart + 2s);
  EXPECT_EQ(cache.find("ch", "long", kStart + 2s), nullptr);
  EXPECT_EQ(cache.find("ch", "k", kStart + 2s)->offset, 3u);
  EXPECT_EQ(cache.size(), 1u);
}

TEST(IdempotencyCacheTest, ExpireDropsFromTheOldest) {
  IdempotencyCache cache(10);
  for (int i = 0; i < 5; ++i)
    cache.insert("ch", std::to_string(i), {}, kStart + std::chrono::seconds(i + 1), kStart);
  cache.expire(kStart + 3s);
  EXPECT_EQ(cache.size(), 2u);
  cache.expire(kStart + 5s);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(IdempotencyCacheTest, CapacityZeroRemembersNothing) {
  IdempotencyCache cache(0);
  cache.insert("ch", "k", {1, ""}, kStart + 1h, kStart);
  EXPECT_EQ(cache.find("ch", "k", kStart), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace wshub::broker
