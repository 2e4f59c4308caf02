// ShardedBroker's placement (the conformance suite runs its behaviour over three
// redis-servers) and its per-shard degradation with one shard stopped.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "broker/RedisBroker.h"
#include "broker/ShardedBroker.h"
#include "broker_test_support.h"
#include "hub/ErrorCode.h"
#include "redis_server.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
using namespace wshub::broker::testing;

TEST(ShardedBrokerPlacement, IsFixedByTheNameAndTheShardCount) {
  // Pinned values: every node and every future version must place these the same way.
  EXPECT_EQ(ShardedBroker::shard_of("news", 1), 0u);
  EXPECT_EQ(ShardedBroker::shard_of("news", 3), 2u);
  EXPECT_EQ(ShardedBroker::shard_of("chat:1", 3), 0u);
  EXPECT_EQ(ShardedBroker::shard_of("chat:2", 3), 1u);
  EXPECT_EQ(ShardedBroker::shard_of("news", 10), 3u);
  EXPECT_EQ(ShardedBroker::shard_of("chat:1", 10), 8u);
}

TEST(ShardedBrokerPlacement, SpreadsChannelsAndGrowingMovesOnlyToTheNewShard) {
  constexpr size_t kChannels = 30'000;
  std::vector<size_t> per_shard(3);
  size_t moved = 0;
  for (size_t i = 0; i < kChannels; ++i) {
    const std::string name = "chat:" + std::to_string(i);
    const size_t before = ShardedBroker::shard_of(name, 3);
    const size_t after = ShardedBroker::shard_of(name, 4);
    ++per_shard[before];
    if (after != before) {
      EXPECT_EQ(after, 3u) << name;  // only ever to the new shard
      ++moved;
    }
  }
  for (const size_t count : per_shard) {
    EXPECT_GT(count, kChannels / 3 - kChannels / 30);  // within 10% of even
    EXPECT_LT(count, kChannels / 3 + kChannels / 30);
  }
  EXPECT_GT(moved, kChannels / 4 - kChannels / 40);  // ~1/4 move to the 4th shard
  EXPECT_LT(moved, kChannels / 4 + kChannels / 40);
}

TEST(ShardedBrokerTest, ChannelsOnAStoppedShardFailWhileOthersWork) {
  if (!RedisServer::installed()) GTEST_SKIP() << "redis-server is not installed";
  std::vector<RedisServer> servers(2);
  for (auto& each : servers) ASSERT_TRUE(each.start());
  std::vector<std::unique_ptr<hub::Broker>> shards;
  for (auto& each : servers) {
    RedisBrokerOptions options;
    options.address = each.address();
    options.command_timeout = 500ms;
    options.reconnect_max = 200ms;
    shards.push_back(std::make_unique<RedisBroker>(options));
  }
  RecordingHandler handler;
  ShardedBroker broker(std::move(shards));
  broker.set_event_handler(&handler);
  EXPECT_TRUE(broker.connected());

  // One channel on each shard.
  std::string on_first, on_second;
  for (int i = 0; on_first.empty() || on_second.empty(); ++i) {
    const std::string name = "ch" + std::to_string(i);
    (ShardedBroker::shard_of(name, 2) == 0 ? on_first : on_second) = name;
  }
  hub::PublishOptions options;
  options.history.size = 10;
  EXPECT_EQ(publish(broker, make_publication(on_first, "{}"), options).offset, 1u);
  EXPECT_EQ(publish(broker, make_publication(on_second, "{}"), options).offset, 1u);

  servers[1].stop();
  ASSERT_TRUE(handler.wait_until([&] { return !broker.connected(); }));
  const auto failed = await<hub::StreamPosition>([&](hub::Completion<hub::StreamPosition> done) {
    broker.publish(make_publication(on_second, "{}"), options, std::move(done));
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_EQ(publish(broker, make_publication(on_first, "{}"), options).offset, 2u);

  // User messages travel through the user's shard; a user on the live shard still works.
  subscribe(broker, on_first);
  std::string user;
  for (int i = 0; user.empty(); ++i) {
    if (ShardedBroker::shard_of("u" + std::to_string(i), 2) == 0) user = "u" + std::to_string(i);
  }
  broker.send_to_user(user, make_publication("", "{\"hi\":1}"), {});
  EXPECT_TRUE(handler.wait_until([&] { return !handler.user_messages(user).empty(); }));
  broker.shutdown();
}

}  // namespace
}  // namespace wshub::broker
