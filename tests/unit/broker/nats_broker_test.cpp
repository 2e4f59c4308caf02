// What the conformance suite cannot show with one broker: several nodes on one NATS server,
// channel names NATS would misread, and NATS failing (killed and restarted, hung). Each
// test starts its own nats-server (nats_server.h).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/NatsBroker.h"
#include "broker/NatsRedisBroker.h"
#include "broker/NatsSubject.h"
#include "broker_test_support.h"
#include "hub/ErrorCode.h"
#include "nats_server.h"
#include "redis_server.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
using namespace wshub::broker::testing;

class NatsBrokerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NatsServer::installed()) GTEST_SKIP() << "nats-server is not installed";
    ASSERT_TRUE(server_.start());
  }

  std::unique_ptr<NatsBroker> make_node(RecordingHandler& handler) {
    NatsBrokerOptions options;
    options.url = server_.url();
    options.command_timeout = 500ms;
    options.reconnect_max = 200ms;
    auto broker = std::make_unique<NatsBroker>(options);
    broker->set_event_handler(&handler);
    return broker;
  }

  hub::Result<hub::StreamPosition> try_publish(hub::Broker& broker, const std::string& channel) {
    return await<hub::StreamPosition>([&](hub::Completion<hub::StreamPosition> done) {
      broker.publish(make_publication(channel, "{}"), {}, std::move(done));
    });
  }

  NatsServer server_;
};

TEST_F(NatsBrokerTest, NodesShareFanOutJoinsAndUsers) {
  RecordingHandler a_events, b_events;
  auto a = make_node(a_events);
  auto b = make_node(b_events);
  EXPECT_TRUE(a->connected());
  // Characters with a meaning in NATS subjects, and bytes outside ASCII.
  const std::vector<std::string> channels{"news", "a.b", "x.*", "room >", "caf\xc3\xa9:1", "ns:..>*"};
  for (const auto& ch : channels) subscribe(*b, ch);
  for (const auto& ch : channels) {
    publish(*a, make_publication(ch, "{\"ch\":1}"), {});
  }
  for (const auto& ch : channels) {
    ASSERT_TRUE(b_events.wait_for_publications(ch, 1)) << ch;
    EXPECT_EQ(b_events.publications(ch).size(), 1u) << ch;  // "x.*" did not match "x.y"
    EXPECT_TRUE(a_events.publications(ch).empty());         // a did not subscribe
  }
  a->publish_join("news", {"c1", "alice", ""});
  ASSERT_TRUE(b_events.wait_until([&] { return !b_events.joins("news").empty(); }));
  EXPECT_EQ(b_events.joins("news")[0].client.user, "alice");

  a->send_to_user("alice", make_publication("", "{\"hi\":1}"), {});
  ASSERT_TRUE(b_events.wait_until([&] { return !b_events.user_messages("alice").empty(); }));
  ASSERT_TRUE(a_events.wait_until([&] { return !a_events.user_messages("alice").empty(); }));
}

TEST_F(NatsBrokerTest, HistoryAndPresenceAreNotAvailable) {
  RecordingHandler events;
  auto broker = make_node(events);
  hub::HistoryOptions kept;
  kept.size = 10;
  auto read = await<hub::HistoryResult>(
      [&](hub::Completion<hub::HistoryResult> done) { broker->history("h", {}, kept, std::move(done)); });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, hub::code(hub::ErrorCode::not_available));
  auto added = await<hub::Unit>([&](hub::Completion<hub::Unit> done) {
    broker->add_presence("p", {"c", "u", ""}, 0ms, std::move(done));
  });
  ASSERT_FALSE(added.ok());
  EXPECT_EQ(added.error().code, hub::code(hub::ErrorCode::not_available));
}

TEST_F(NatsBrokerTest, ServerDownAnswersUnavailableAndRestartResubscribes) {
  RecordingHandler a_events, b_events;
  auto a = make_node(a_events);
  auto b = make_node(b_events);
  subscribe(*b, "live");
  server_.stop();
  EXPECT_TRUE(eventually([&] { return !a->connected() && !b->connected(); }));

  const auto started = std::chrono::steady_clock::now();
  auto failed = try_publish(*a, "live");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  auto subscribed =
      await<hub::Unit>([&](hub::Completion<hub::Unit> done) { b->subscribe("other", std::move(done)); });
  EXPECT_FALSE(subscribed.ok());
  EXPECT_EQ(b_events.interruptions(), 0u);

  ASSERT_TRUE(server_.start());
  ASSERT_TRUE(b_events.wait_until([&] { return b_events.interruptions() == 1; }));
  EXPECT_TRUE(eventually([&] { return a->connected() && b->connected(); }));
  // b's subscription was re-sent by the reconnect: a's publication reaches it.
  EXPECT_TRUE(eventually([&] {
    try_publish(*a, "live");
    return !b_events.publications("live").empty();
  }));
}

TEST_F(NatsBrokerTest, AHungServerTimesOutAndRecovers) {
  RecordingHandler events;
  auto broker = make_node(events);
  subscribe(*broker, "slow");
  server_.pause();
  // libnats' pings (every command_timeout / 2, two unanswered) find it; then calls fail fast.
  EXPECT_TRUE(eventually([&] { return !broker->connected(); }));
  auto failed = try_publish(*broker, "slow");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  server_.resume();
  EXPECT_TRUE(eventually([&] { return broker->connected() && try_publish(*broker, "slow").ok(); }));
  EXPECT_TRUE(events.wait_for_publications("slow", 1));
}

TEST_F(NatsBrokerTest, UnreachableAtStartStillConstructsAndConnectsLater) {
  server_.stop();
  RecordingHandler events;
  auto broker = make_node(events);
  EXPECT_FALSE(broker->connected());
  auto failed = try_publish(*broker, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  ASSERT_TRUE(server_.start());
  EXPECT_TRUE(eventually([&] { return broker->connected(); }));
  // The control subject, subscribed before the first connection, works.
  broker->send_to_user("late", make_publication("", "{}"), {});
  EXPECT_TRUE(events.wait_until([&] { return !events.user_messages("late").empty(); }));
  EXPECT_EQ(events.interruptions(), 0u);  // nothing was subscribed before
}

TEST_F(NatsBrokerTest, CallsAfterShutdownCompleteUnavailable) {
  RecordingHandler events;
  auto broker = make_node(events);
  subscribe(*broker, "s");
  broker->shutdown();
  broker->shutdown();
  auto failed = try_publish(*broker, "x");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, hub::code(hub::ErrorCode::unavailable));
  EXPECT_FALSE(broker->connected());
}

// The composite with Redis as the store: a subscribe that fails on one side is undone on the
// other (the hub forgets it and will not unsubscribe), and history goes through Redis.
TEST_F(NatsBrokerTest, WithARedisStoreAHalfFailedSubscribeIsUndone) {
  if (!RedisServer::installed()) GTEST_SKIP() << "redis-server is not installed";
  RedisServer redis;
  ASSERT_TRUE(redis.start());
  RecordingHandler events, other_events;
  struct Node {
    std::unique_ptr<NatsRedisBroker> broker;
    NatsBroker* nats;  // its NATS half, to publish past the routing
  };
  auto make = [&](RecordingHandler& handler) {
    NatsBrokerOptions nats_options;
    nats_options.url = server_.url();
    RedisBrokerOptions redis_options;
    redis_options.address = redis.address();
    redis_options.command_timeout = 500ms;
    redis_options.reconnect_max = 200ms;
    auto nats = std::make_unique<NatsBroker>(nats_options);
    NatsBroker* half = nats.get();
    auto broker =
        std::make_unique<NatsRedisBroker>(std::move(nats), std::make_unique<RedisBroker>(redis_options));
    broker->set_event_handler(&handler);
    return Node{std::move(broker), half};
  };
  // Named, not structured bindings: clang 14 cannot capture those in the lambdas below.
  Node first = make(events);
  Node second = make(other_events);
  NatsRedisBroker* node = first.broker.get();
  NatsRedisBroker* other = second.broker.get();
  NatsBroker* node_nats = first.nats;
  NatsBroker* other_nats = second.nats;
  hub::PublishOptions kept;
  kept.history.size = 10;
  EXPECT_EQ(publish(*other, make_publication("stored", "{}"), kept).offset, 1u);  // through Redis

  redis.stop();
  EXPECT_TRUE(eventually([&] { return !node->connected(); }));
  auto subscribed =
      await<hub::Unit>([&](hub::Completion<hub::Unit> done) { node->subscribe("half", std::move(done)); });
  ASSERT_FALSE(subscribed.ok());
  EXPECT_EQ(subscribed.error().code, hub::code(hub::ErrorCode::unavailable));
  // NATS still works, and the NATS half of the failed subscribe is gone: nothing arrives.
  subscribe(*node_nats, "fence");
  publish(*other_nats, make_publication("half", "{}"), {});
  publish(*other_nats, make_publication("fence", "{}"), {});
  ASSERT_TRUE(events.wait_for_publications("fence", 1));
  std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(events.publications("half").empty());
}

TEST(NatsBrokerOptions, ABadPrefixIsAStartupError) {
  NatsBrokerOptions options;
  options.prefix = "a..b";
  EXPECT_THROW(NatsBroker broker(options), std::runtime_error);
}

TEST(NatsSubject, ChannelsRoundTripAsOneSafeToken) {
  using namespace nats_subject;
  for (std::string channel : {std::string("a"), std::string("ab"), std::string("abc"), std::string("x.*> \t"),
                              std::string("\x00\xff", 2), std::string(255, '.')}) {
    const std::string subject = channel_subject("wshub.prod", channel);
    const std::string token = subject.substr(std::string("wshub.prod.c.").size());
    EXPECT_EQ(token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
              std::string::npos);
    EXPECT_EQ(channel_of("wshub.prod", subject), channel);
  }
  EXPECT_FALSE(channel_of("wshub", "wshub.control").has_value());
  EXPECT_FALSE(channel_of("wshub", "other.c.YQ").has_value());
  EXPECT_FALSE(decode_token("YR").has_value());  // non-zero unused bits: not canonical
  EXPECT_FALSE(decode_token("Y").has_value());
  EXPECT_FALSE(decode_token("Y*").has_value());
  EXPECT_TRUE(valid_prefix("wshub"));
  EXPECT_TRUE(valid_prefix("a.b-c_d"));
  EXPECT_FALSE(valid_prefix(""));
  EXPECT_FALSE(valid_prefix("a."));
  EXPECT_FALSE(valid_prefix("a b"));
  EXPECT_FALSE(valid_prefix("a.*"));
}

}  // namespace
}  // namespace wshub::broker
