// The behaviour every hub::Broker must show, run against each implementation: memory and Redis
// (a redis-server started by the test on a free loopback port, redis_server.h; skipped with a
// message only when redis-server is not installed) and NATS (a nats-server likewise,
// nats_server.h; NATS alone keeps no history and no presence, so those tests skip for it). The tests use the
// interface only: completions are awaited as if asynchronous, channel names are unique per run (a shared
// Redis keeps state between runs), TTLs are real and short (a few hundred ms), and "nothing was delivered" is
// asserted after a fence (a publication on another subscribed channel has arrived) plus the
// implementation's quiet period.
//
// This file: offsets, epochs, history reads and idempotency. Also
// broker_conformance_delivery_test.cpp (subscriptions, joins, user messages, presence) and
// broker_conformance_ordering_test.cpp (concurrent publishers); the fixture is in
// broker_conformance.h.
#include "broker_conformance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/MemoryBroker.h"
#include "broker/NatsBroker.h"
#include "broker/NatsRedisBroker.h"
#include "broker/RedisBroker.h"
#include "nats_server.h"
#include "broker/ShardedBroker.h"
#include "redis_server.h"

namespace wshub::broker::conformance {
namespace {

// --- Offsets, epochs and history reads ---

TEST_P(BrokerConformance, PublishAssignsConsecutiveOffsetsInOneEpoch) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const auto positions = publish_n(ch, 5, publish_options(10));
  ASSERT_EQ(positions.size(), 5u);
  ASSERT_FALSE(positions[0].epoch.empty());
  for (size_t i = 0; i < positions.size(); ++i) {
    EXPECT_EQ(positions[i].offset, i + 1);
    EXPECT_EQ(positions[i].epoch, positions[0].epoch);
  }
  const auto result = history(*broker_, ch, latest(hub::HistoryFilter::kNoLimit), history_options(10));
  EXPECT_EQ(result.position.offset, 5u);
  EXPECT_EQ(result.position.epoch, positions[0].epoch);
  EXPECT_EQ(offsets(result.publications), range(1, 5));
  EXPECT_EQ(result.publications[2]->payload.bytes, "{\"n\":3}");
}

TEST_P(BrokerConformance, HistoryWithoutSinceReturnsTheNewest) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string epoch = publish_n(ch, 10, publish_options(10)).back().epoch;
  const auto options = history_options(10);

  EXPECT_EQ(offsets(history(*broker_, ch, latest(3), options).publications),
            (std::vector<uint64_t>{8, 9, 10}));
  EXPECT_EQ(offsets(history(*broker_, ch, latest(3, true), options).publications),
            (std::vector<uint64_t>{10, 9, 8}));
  auto all_reversed = range(1, 10);
  std::reverse(all_reversed.begin(), all_reversed.end());
  EXPECT_EQ(offsets(history(*broker_, ch, latest(hub::HistoryFilter::kNoLimit, true), options).publications),
            all_reversed);
  EXPECT_EQ(offsets(history(*broker_, ch, latest(100), options).publications), range(1, 10));

  const auto position_only = history(*broker_, ch, latest(0), options);
  EXPECT_TRUE(position_only.publications.empty());
  EXPECT_EQ(position_only.position.offset, 10u);
  EXPECT_EQ(position_only.position.epoch, epoch);
  EXPECT_FALSE(position_only.since_available);  // only meaningful with `since`
}

TEST_P(BrokerConformance, HistoryKeepsTheLastSizePublications) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  publish_n(ch, 5, publish_options(3));
  const auto result = history(*broker_, ch, latest(hub::HistoryFilter::kNoLimit), history_options(3));
  EXPECT_EQ(result.position.offset, 5u);
  EXPECT_EQ(offsets(result.publications), range(3, 5));
}

TEST_P(BrokerConformance, HistorySinceReturnsWhatFollowsOldestFirst) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string epoch = publish_n(ch, 10, publish_options(10)).back().epoch;
  const auto options = history_options(10);

  auto result = history(*broker_, ch, since(4, epoch), options);
  EXPECT_TRUE(result.since_available);
  EXPECT_EQ(offsets(result.publications), range(5, 10));
  EXPECT_EQ(result.position.offset, 10u);
  EXPECT_EQ(result.position.epoch, epoch);

  result = history(*broker_, ch, since(4, epoch, 2), options);
  EXPECT_TRUE(result.since_available);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{5, 6}));

  result = history(*broker_, ch, since(0, epoch), options);
  EXPECT_TRUE(result.since_available);
  EXPECT_EQ(offsets(result.publications), range(1, 10));

  result = history(*broker_, ch, since(10, epoch), options);  // up to date
  EXPECT_TRUE(result.since_available);
  EXPECT_TRUE(result.publications.empty());

  result = history(*broker_, ch, since(4, epoch, 0), options);  // check a recovery without fetching it
  EXPECT_TRUE(result.since_available);
  EXPECT_TRUE(result.publications.empty());
  EXPECT_EQ(result.position.offset, 10u);

  auto reversed = since(7, epoch);
  reversed.reverse = true;  // ignored with `since`
  result = history(*broker_, ch, reversed, options);
  EXPECT_EQ(offsets(result.publications), range(8, 10));
}

TEST_P(BrokerConformance, SinceInAnotherEpochIsUnavailable) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string epoch = publish_n(ch, 3, publish_options(10)).back().epoch;
  const auto options = history_options(10);
  for (const std::string& other : {std::string("other"), std::string()}) {
    const auto result = history(*broker_, ch, since(2, other), options);
    EXPECT_FALSE(result.since_available) << "epoch '" << other << "'";
    EXPECT_EQ(result.position.offset, 3u);
    EXPECT_EQ(result.position.epoch, epoch);
  }
  EXPECT_FALSE(history(*broker_, ch, since(0, ""), options).since_available);
}

TEST_P(BrokerConformance, SinceTrimmedBySizeIsUnavailable) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string epoch = publish_n(ch, 6, publish_options(3)).back().epoch;  // keeps 4, 5, 6
  const auto options = history_options(3);

  auto result = history(*broker_, ch, since(2, epoch), options);  // 3 was trimmed
  EXPECT_FALSE(result.since_available);
  EXPECT_EQ(offsets(result.publications), range(4, 6));  // what is left, after since
  EXPECT_FALSE(history(*broker_, ch, since(0, epoch), options).since_available);

  result = history(*broker_, ch, since(3, epoch), options);  // nothing after 3 was trimmed
  EXPECT_TRUE(result.since_available);
  EXPECT_EQ(offsets(result.publications), range(4, 6));
}

TEST_P(BrokerConformance, SinceTrimmedByTtlIsUnavailable) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const auto options = publish_options(10, 200ms);
  const std::string epoch = publish_n(ch, 3, options).back().epoch;
  std::this_thread::sleep_for(400ms);

  // Everything expired: the position survives (meta_ttl), the publications do not.
  auto result = history(*broker_, ch, latest(hub::HistoryFilter::kNoLimit), options.history);
  EXPECT_TRUE(result.publications.empty());
  EXPECT_EQ(result.position.offset, 3u);
  EXPECT_EQ(result.position.epoch, epoch);
  EXPECT_TRUE(history(*broker_, ch, since(3, epoch), options.history).since_available);
  EXPECT_FALSE(history(*broker_, ch, since(2, epoch), options.history).since_available);

  EXPECT_EQ(publish(*broker_, make_publication(ch, "{\"n\":4}"), options).offset, 4u);
  result = history(*broker_, ch, since(2, epoch), options.history);
  EXPECT_FALSE(result.since_available);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{4}));
  result = history(*broker_, ch, since(3, epoch), options.history);
  EXPECT_TRUE(result.since_available);
  EXPECT_EQ(offsets(result.publications), (std::vector<uint64_t>{4}));
}

TEST_P(BrokerConformance, SinceBeyondTheTopIsUnavailable) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string epoch = publish_n(ch, 3, publish_options(10)).back().epoch;
  for (uint64_t offset : {uint64_t{4}, uint64_t{100}, ~uint64_t{0}}) {
    const auto result = history(*broker_, ch, since(offset, epoch), history_options(10));
    EXPECT_FALSE(result.since_available) << offset;
    EXPECT_TRUE(result.publications.empty()) << offset;
    EXPECT_EQ(result.position.offset, 3u);
  }
}

TEST_P(BrokerConformance, ChannelWithoutHistoryHasNoPosition) {
  const std::string ch = channel();
  subscribe(*broker_, ch);
  for (int i = 0; i < 2; ++i) {
    const auto position = publish(*broker_, make_publication(ch, "{}"), publish_options(0));
    EXPECT_EQ(position.offset, 0u);
    EXPECT_EQ(position.epoch, "");
  }
  ASSERT_TRUE(handler_.wait_for_publications(ch, 2));
  for (const auto& p : handler_.publications(ch)) EXPECT_EQ(p->offset, 0u);

  for (const auto& filter : {latest(hub::HistoryFilter::kNoLimit), since(0, "")}) {
    const auto result = history(*broker_, ch, filter, history_options(0));
    EXPECT_TRUE(result.publications.empty());
    EXPECT_EQ(result.position.offset, 0u);
    EXPECT_EQ(result.position.epoch, "");
    EXPECT_FALSE(result.since_available);  // nothing can be recovered
  }
}

TEST_P(BrokerConformance, HistoryOfAQuietChannelGivesAStableEpoch) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const auto options = history_options(5);
  const auto first = history(*broker_, ch, latest(0), options);
  EXPECT_EQ(first.position.offset, 0u);
  ASSERT_FALSE(first.position.epoch.empty());
  EXPECT_EQ(history(*broker_, ch, latest(10), options).position.epoch, first.position.epoch);

  const auto recovery = history(*broker_, ch, since(0, first.position.epoch), options);
  EXPECT_TRUE(recovery.since_available);
  EXPECT_TRUE(recovery.publications.empty());

  const auto position = publish(*broker_, make_publication(ch, "{}"), publish_options(5));
  EXPECT_EQ(position.offset, 1u);
  EXPECT_EQ(position.epoch, first.position.epoch);
  const auto after = history(*broker_, ch, since(0, first.position.epoch), options);
  EXPECT_TRUE(after.since_available);
  EXPECT_EQ(offsets(after.publications), (std::vector<uint64_t>{1}));
}

TEST_P(BrokerConformance, RemoveHistoryStartsANewEpoch) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string old_epoch = publish_n(ch, 3, publish_options(10)).back().epoch;
  remove_history(*broker_, ch);

  const auto result = history(*broker_, ch, since(3, old_epoch), history_options(10));
  EXPECT_FALSE(result.since_available);
  EXPECT_TRUE(result.publications.empty());
  EXPECT_EQ(result.position.offset, 0u);
  EXPECT_NE(result.position.epoch, old_epoch);

  const auto position = publish(*broker_, make_publication(ch, "{}"), publish_options(10));
  EXPECT_EQ(position.offset, 1u);
  EXPECT_NE(position.epoch, old_epoch);
  EXPECT_EQ(position.epoch, result.position.epoch);
}

TEST_P(BrokerConformance, RemoveHistoryOfAnUnknownChannelSucceeds) {
  WSHUB_REQUIRE_HISTORY();
  remove_history(*broker_, channel());
}

// --- Idempotency ---

TEST_P(BrokerConformance, IdempotentRetryReturnsTheFirstResultAndDeliversOnce) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  const std::string other = channel("-other");
  subscribe(*broker_, ch);
  auto options = publish_options(10);
  options.idempotency_key = "key-1";

  const auto first = publish(*broker_, make_publication(ch, "{\"try\":1}"), options);
  const auto retry = publish(*broker_, make_publication(ch, "{\"try\":2}"), options);
  EXPECT_EQ(first.offset, 1u);
  EXPECT_EQ(retry.offset, first.offset);
  EXPECT_EQ(retry.epoch, first.epoch);

  options.idempotency_key = "key-2";
  EXPECT_EQ(publish(*broker_, make_publication(ch, "{\"try\":3}"), options).offset, 2u);
  options.idempotency_key = "key-1";  // keys are per channel
  EXPECT_EQ(publish(*broker_, make_publication(other, "{}"), options).offset, 1u);

  settle();
  const auto delivered = handler_.publications(ch);
  ASSERT_EQ(offsets(delivered), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(delivered[0]->payload.bytes, "{\"try\":1}");
  const auto kept = history(*broker_, ch, latest(hub::HistoryFilter::kNoLimit), options.history);
  ASSERT_EQ(offsets(kept.publications), (std::vector<uint64_t>{1, 2}));
  EXPECT_EQ(kept.publications[0]->payload.bytes, "{\"try\":1}");
}

TEST_P(BrokerConformance, IdempotentRetryWithoutHistoryDeliversOnce) {
  const std::string ch = channel();
  subscribe(*broker_, ch);
  auto options = publish_options(0);
  options.idempotency_key = "once";
  for (int i = 0; i < 3; ++i) {
    const auto position = publish(*broker_, make_publication(ch, "{}"), options);
    EXPECT_EQ(position.offset, 0u);
    EXPECT_EQ(position.epoch, "");
  }
  settle();
  EXPECT_EQ(handler_.publications(ch).size(), 1u);
}

TEST_P(BrokerConformance, IdempotencyKeyIsForgottenAfterItsWindow) {
  WSHUB_REQUIRE_HISTORY();
  const std::string ch = channel();
  auto options = publish_options(10);
  options.idempotency_key = "short";
  options.idempotency_window = 200ms;
  EXPECT_EQ(publish(*broker_, make_publication(ch, "{}"), options).offset, 1u);
  EXPECT_EQ(publish(*broker_, make_publication(ch, "{}"), options).offset, 1u);
  std::this_thread::sleep_for(400ms);
  EXPECT_EQ(publish(*broker_, make_publication(ch, "{}"), options).offset, 2u);
}

// --- Implementations ---

std::unique_ptr<hub::Broker> make_redis_broker() {
  RedisServer* server = shared_redis_server();
  if (!server) return nullptr;  // the fixture skips
  RedisBrokerOptions options;
  options.address = server->address();
  options.prefix = "conformance" + run_id();
  return std::make_unique<RedisBroker>(options);
}

std::unique_ptr<hub::Broker> make_nats_broker() {
  NatsServer* server = shared_nats_server();
  if (!server) return nullptr;  // the fixture skips
  NatsBrokerOptions options;
  options.url = server->url();
  options.prefix = "conformance" + run_id();
  return std::make_unique<NatsBroker>(options);
}

// NATS for delivery with Redis as the store: everything applies.
std::unique_ptr<hub::Broker> make_nats_redis_broker() {
  NatsServer* nats = shared_nats_server();
  RedisServer* redis = shared_redis_server();
  if (!nats || !redis) return nullptr;
  NatsBrokerOptions nats_options;
  nats_options.url = nats->url();
  nats_options.prefix = "conformance" + run_id() + "nr";
  RedisBrokerOptions redis_options;
  redis_options.address = redis->address();
  redis_options.prefix = "conformance" + run_id() + "nr";
  return std::make_unique<NatsRedisBroker>(std::make_unique<NatsBroker>(nats_options),
                                           std::make_unique<RedisBroker>(redis_options));
}

// Three redis-servers for the whole run, one RedisBroker each behind a ShardedBroker.
std::unique_ptr<hub::Broker> make_sharded_redis_broker() {
  static std::vector<RedisServer>* servers = [] {
    if (!RedisServer::installed()) return static_cast<std::vector<RedisServer>*>(nullptr);
    static std::vector<RedisServer> instances(3);
    for (auto& each : instances) {
      if (!each.start()) return static_cast<std::vector<RedisServer>*>(nullptr);
    }
    return &instances;
  }();
  if (!servers) return nullptr;  // the fixture skips
  std::vector<std::unique_ptr<hub::Broker>> shards;
  for (auto& server : *servers) {
    RedisBrokerOptions options;
    options.address = server.address();
    options.prefix = "conformance" + run_id();
    shards.push_back(std::make_unique<RedisBroker>(options));
  }
  return std::make_unique<ShardedBroker>(std::move(shards));
}

INSTANTIATE_TEST_SUITE_P(
    Brokers, BrokerConformance,
    ::testing::Values(BrokerUnderTest{"memory", [] { return std::make_unique<MemoryBroker>(); }},
                      // Publications and fences travel over one pub/sub connection in order,
                      // so a short quiet period covers the two-thread hand-off only.
                      BrokerUnderTest{"redis", make_redis_broker, 20ms},
                      // Every subscription is delivered by one libnats thread, in the order
                      // the server sent them; the quiet period covers the hand-offs.
                      BrokerUnderTest{"nats", make_nats_broker, 20ms, false, false},
                      // Fences (no history) travel over NATS, history publications over
                      // Redis: two connections, so a longer quiet period.
                      BrokerUnderTest{"nats_redis", make_nats_redis_broker, 100ms},
                      // A fence and the channel it settles may live on different shards
                      // (different connections): a longer quiet period.
                      BrokerUnderTest{"sharded_redis", make_sharded_redis_broker, 100ms}),
    [](const ::testing::TestParamInfo<BrokerUnderTest>& info) { return info.param.name; });

}  // namespace
}  // namespace wshub::broker::conformance
