#include <gtest/gtest.h>

#include "broker/MemoryPresence.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kStart{std::chrono::hours(1)};

TEST(MemoryPresenceTest, ExpiryIsTrackedThroughRefreshesAndRemovals) {
  MemoryPresence presence;
  presence.add({"a", "u1", ""}, kStart + 10s);
  presence.add({"b", "u2", ""}, kStart + 20s);
  presence.add({"a", "u1", ""}, kStart + 30s);  // refreshed: later than b now
  presence.expire(kStart + 20s);
  ASSERT_EQ(presence.list().size(), 1u);
  EXPECT_EQ(presence.list()[0].client, "a");
  presence.expire(kStart + 29s);
  EXPECT_FALSE(presence.empty());
  presence.expire(kStart + 30s);
  EXPECT_TRUE(presence.empty());
}

TEST(MemoryPresenceTest, EntriesWithoutTtlStay) {
  MemoryPresence presence;
  presence.add({"a", "", ""}, Clock::time_point::max());
  presence.expire(kStart + std::chrono::hours(24 * 365));
  EXPECT_FALSE(presence.empty());
  EXPECT_TRUE(presence.remove("a"));
  EXPECT_FALSE(presence.remove("a"));
  EXPECT_TRUE(presence.empty());
}

TEST(MemoryPresenceTest, StatsCountDistinctNamedUsers) {
  MemoryPresence presence;
  const auto never = Clock::time_point::max();
  presence.add({"a", "u1", ""}, never);
  presence.add({"b", "u1", ""}, never);
  presence.add({"c", "", ""}, never);
  presence.add({"d", "", ""}, never);
  const auto stats = presence.stats();
  EXPECT_EQ(stats.num_clients, 4u);
  EXPECT_EQ(stats.num_users, 1u);
}

}  // namespace
}  // namespace wshub::broker
