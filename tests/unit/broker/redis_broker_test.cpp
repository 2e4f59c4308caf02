// What the conformance suite cannot show with one broker: several nodes on one Redis, and
// Redis failing (killed, restarted empty, hung). Each test starts its own redis-server.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/RedisBroker.h"
#include "broker_test_support.h"
#include "hub/ErrorCode.h"
#include "redis_server.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
using namespace wshub::broker::testing;

hub::PublishOptions with_history(size_t size) {
  hub::PublishOptions options;
  options.history.size = size;
  return options;
}

class RedisBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::installed()) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_TRUE(server_.start());
  }

  std::unique_ptr<RedisBroker> make_node(RecordingHandler& handler,
                                         std::chrono::milliseconds presence_ttl = 60s) {
    RedisBrokerOptions options;
    options.address = server_.address();
    options.presence_ttl = presence_ttl;
    options.command_timeout = 500ms;
    options.reconnect_max = 200ms;
    auto broker = std::make_unique<RedisBroker>(options);
    broker->set_event_handler(&handler);
    return broker;
  }

  hub::Result<hub::StreamPosition> try_publish(hub::Broker& broker, const std::string& channel) {
    return await<hub::StreamPosition>([&](hub::Completion<hub::StreamPosition> done) {
      broker.publish(make_publication(channel, "{}"), with_history(10), std::move(done));
    });
  }

  RedisServer server_;
};

TEST_F(RedisBrokerTest, NodesShareFanOutHistoryUsersAndPresence) {
  RecordingHandler a_events, b_events;
  auto a = make_node(a_events);
  auto b = make_node(b_events);
  EXPECT_TRUE(a->connected());
  subscribe(*b, "news");
  const auto position = publish(*a, make_publication("news", "{\"n\":1}"), with_history(10));
  EXPECT_EQ(position.offset, 1u);
  ASSERT_TRUE(b_events.wait_for_publications("news", 1));
  EXPECT_EQ(b_events.publications("news")[0]->payload.bytes, "{\"n\":1}");
  EXPECT_TRUE(a_events.publications("news").empty());  // a did not subscribe

  const auto kept = history(*b, "news", since(0, position.epoch), with_history(10).history);
  EXPECT_TRUE(kept.since_available);
  EXPECT_EQ(offsets(kept.publications), (std::vector<uint64_t>{1}));

  send_to_user(*a, "alice", make_publication("", "{\"hi\":1}"));
  ASSERT_TRUE(b_events.wait_until([&] { return !b_events.user_messages("alice").empty(); }));
  ASSERT_TRUE(a_events.wait_until([&] { return !a_events.user_messages("alice").empty(); }));

  add_presence(*a, "room", {"c1", "alice", ""}, 0ms);
  const auto seen = presence(*b, "room");
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].user, "alice");
}

TEST_F(RedisBrokerTest, CrashedNodesPresenceExpiresWithinTheTtl) {
  RecordingHandler a_events, b_events;
  auto a = make_node(a_events, 1200ms);
  auto b = make_node(b_events, 1200ms);
  add_presence(*a, "room", {"from-a", "alice", ""}, 0ms);
  add_presence(*b, "room", {"from-b", "bob", ""}, 0ms);
  std::this_thread::sleep_for(2500ms);  // well past the TTL: both nodes refresh theirs
  EXPECT_EQ(presence(*b, "room").size(), 2u);
  a.reset();  // stops refreshing, removes nothing: what a SIGKILL leaves behind
  EXPECT_TRUE(eventually([&] { return presence(*b, "room").size() == 1; }));
  EXPECT_EQ(presence(*b, "room")[0].client, "from-b");
}

TEST_F(RedisBrokerTest, RedisDownAnswersUnavailableAndRestartResubscribes) {
  RecordingHandler events;
  auto broker = make_node(events);
  subscribe(*broker, "live");
  server_.stop();

  const auto started = std::chrono::steady_clock::now();
  auto failed = try_publish(*broker, "live");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  EXPECT_TRUE(eventually([&] { return !broker->connected(); }));
  auto read = await<hub::HistoryResult>([&](hub::Completion<hub::HistoryResult> done) {
    broker->history("live", {}, with_history(10).history, std::move(done));
  });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, hub::code(hub::ErrorCode::unavailable));
  auto subscribed =
      await<hub::Unit>([&](hub::Completion<hub::Unit> done) { broker->subscribe("other", std::move(done)); });
  EXPECT_FALSE(subscribed.ok());
  // User-addressed sends are refused, not dropped quietly (the server API answers 503).
  const auto sent = try_send_to_user(*broker, "alice", make_publication("", "{}"));
  ASSERT_FALSE(sent.ok());
  EXPECT_EQ(sent.error().code, hub::code(hub::ErrorCode::unavailable));
  const auto commanded =
      try_send_user_command(*broker, {hub::UserCommand::Kind::disconnect, "alice", "", 4000, "", false});
  ASSERT_FALSE(commanded.ok());
  EXPECT_EQ(commanded.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_EQ(events.interruptions(), 0u);

  ASSERT_TRUE(server_.start());  // empty: no persistence
  ASSERT_TRUE(events.wait_until([&] { return events.interruptions() == 1; }));
  EXPECT_TRUE(broker->connected());
  const auto position = publish(*broker, make_publication("live", "{}"), with_history(10));
  EXPECT_EQ(position.offset, 1u);  // a new epoch: the old history went with the server
  ASSERT_TRUE(events.wait_for_publications("live", 1));
  send_to_user(*broker, "alice", make_publication("", "{}"));
  ASSERT_TRUE(events.wait_until([&] { return events.user_messages("alice").size() == 1; }));
}

TEST_F(RedisBrokerTest, AHungRedisTimesOut) {
  RecordingHandler events;
  auto broker = make_node(events);
  server_.pause();
  const auto started = std::chrono::steady_clock::now();
  auto failed = try_publish(*broker, "slow");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  server_.resume();
  EXPECT_TRUE(eventually([&] { return try_publish(*broker, "slow").ok(); }));
}

TEST_F(RedisBrokerTest, UnreachableAtStartStillConstructsAndAnswersUnavailable) {
  server_.stop();
  RecordingHandler events;
  auto broker = make_node(events);
  EXPECT_FALSE(broker->connected());
  auto failed = try_publish(*broker, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  ASSERT_TRUE(server_.start());
  EXPECT_TRUE(eventually([&] { return broker->connected(); }));
  EXPECT_EQ(events.interruptions(), 0u);  // nothing was subscribed before
}

TEST_F(RedisBrokerTest, CallsAfterShutdownCompleteUnavailable) {
  RecordingHandler events;
  auto broker = make_node(events);
  broker->shutdown();
  broker->shutdown();
  auto failed = try_publish(*broker, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_FALSE(broker->connected());
}

TEST(RedisBrokerAddress, ABadAddressIsAStartupError) {
  RedisBrokerOptions options;
  options.address = "no-port";
  EXPECT_THROW(RedisBroker broker(options), std::runtime_error);
}

}  // namespace
}  // namespace wshub::broker
