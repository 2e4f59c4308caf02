// The node registry over a real redis-server (redis_server.h): nodes that heartbeat are
// listed, a node that stops leaves within the TTL, user slots are counted across nodes
// atomically, a crashed node's slots stop counting, counts come back after Redis restarts
// empty, and an unreachable Redis answers `unavailable`. LocalNodeRegistry is the
// single-node reference.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "broker/LocalNodeRegistry.h"
#include "broker/RedisBroker.h"
#include "broker/RedisNodeRegistry.h"
#include "broker_test_support.h"
#include "hub/ErrorCode.h"
#include "redis_server.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
using namespace wshub::broker::testing;

hub::Result<std::vector<hub::NodeStatus>> list(hub::NodeRegistry& registry) {
  return await<std::vector<hub::NodeStatus>>(
      [&](hub::Completion<std::vector<hub::NodeStatus>> done) { registry.nodes(std::move(done)); });
}

std::vector<std::string> ids(hub::NodeRegistry& registry) {
  auto nodes = list(registry);
  EXPECT_TRUE(nodes.ok());
  std::vector<std::string> out;
  if (nodes.ok()) {
    for (const auto& n : *nodes) out.push_back(n.id);
  }
  return out;
}

hub::Result<bool> acquire(hub::NodeRegistry& registry, const std::string& user, size_t limit) {
  return await<bool>(
      [&](hub::Completion<bool> done) { registry.acquire_user_slot(user, limit, std::move(done)); });
}

class RedisNodeRegistryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!RedisServer::installed()) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_TRUE(server_.start());
  }

  RedisBroker& broker(size_t i) {
    while (brokers_.size() <= i) {
      RedisBrokerOptions options;
      options.address = server_.address();
      options.command_timeout = 500ms;
      options.reconnect_max = 200ms;
      brokers_.push_back(std::make_unique<RedisBroker>(options));
      brokers_.back()->set_event_handler(&events_);
    }
    return *brokers_[i];
  }

  // A registry that heartbeats only when the test calls heartbeat() (start() not called),
  // so "stopped heartbeating" is a test's decision.
  std::unique_ptr<RedisNodeRegistry> make_registry(size_t node, std::chrono::milliseconds ttl = 10s) {
    RedisNodeRegistryOptions options;
    options.node_id = "node" + std::to_string(node);
    options.heartbeat = ttl / 3;
    options.ttl = ttl;
    return std::make_unique<RedisNodeRegistry>(broker(node), options);
  }

  RedisServer server_;
  RecordingHandler events_;  // outlives the brokers
  std::vector<std::unique_ptr<RedisBroker>> brokers_;
};

TEST_F(RedisNodeRegistryTest, HeartbeatingNodesAreListedWithTheirFigures) {
  auto a = make_registry(0);
  auto b = make_registry(1);
  a->start([] {
    hub::NodeStatus s;
    s.address = "a.example:8000";
    s.version = "1.2.3";
    s.connections = 7;
    s.users = 3;
    s.channels = 2;
    s.messages_in = 10;
    s.messages_out = 20;
    return s;
  });
  b->start([] {
    hub::NodeStatus s;
    s.connections = 5;
    return s;
  });
  ASSERT_TRUE(eventually([&] { return ids(*b) == std::vector<std::string>{"node0", "node1"}; }));
  auto nodes = list(*b);
  ASSERT_TRUE(nodes.ok());
  const hub::NodeStatus& first = (*nodes)[0];
  EXPECT_EQ(first.address, "a.example:8000");
  EXPECT_EQ(first.version, "1.2.3");
  EXPECT_EQ(first.connections, 7u);
  EXPECT_EQ(first.users, 3u);
  EXPECT_EQ(first.channels, 2u);
  EXPECT_EQ(first.messages_in, 10u);
  EXPECT_EQ(first.messages_out, 20u);
  EXPECT_GT(first.updated_at_ms, 0);
  EXPECT_EQ((*nodes)[1].connections, 5u);

  a->shutdown();  // a clean stop says goodbye: gone at once, not after the TTL
  EXPECT_EQ(ids(*b), std::vector<std::string>{"node1"});
}

TEST_F(RedisNodeRegistryTest, ANodeThatStopsHeartbeatingLeavesWithinTheTtl) {
  auto a = make_registry(0, 600ms);
  auto b = make_registry(1, 600ms);
  a->heartbeat();
  b->heartbeat();
  ASSERT_TRUE(eventually([&] { return ids(*b).size() == 2; }));
  // a falls silent (a SIGKILL leaves no goodbye); b keeps heartbeating.
  EXPECT_TRUE(eventually([&] {
    b->heartbeat();
    std::this_thread::sleep_for(50ms);
    return ids(*b) == std::vector<std::string>{"node1"};
  }));
}

TEST_F(RedisNodeRegistryTest, UserSlotsHoldAcrossNodes) {
  auto a = make_registry(0);
  auto b = make_registry(1);
  EXPECT_TRUE(a->shares_user_slots());
  ASSERT_TRUE(acquire(*a, "u", 2).ok());
  EXPECT_TRUE(*acquire(*a, "u", 2));   // the second
  EXPECT_FALSE(*acquire(*b, "u", 2));  // the third, on another node
  EXPECT_TRUE(*acquire(*b, "other", 2));
  a->release_user_slot("u");
  EXPECT_TRUE(eventually([&] {
    auto r = acquire(*b, "u", 2);
    return r.ok() && *r;
  }));
  EXPECT_FALSE(*acquire(*a, "u", 2));
}

TEST_F(RedisNodeRegistryTest, ConcurrentAcquiresNeverExceedTheLimit) {
  auto a = make_registry(0);
  auto b = make_registry(1);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (auto* registry : {a.get(), b.get()}) {
    threads.emplace_back([&, registry] {
      for (int i = 0; i < 20; ++i) {
        auto r = acquire(*registry, "busy", 5);
        if (r.ok() && *r) ++admitted;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 5);
}

TEST_F(RedisNodeRegistryTest, ACrashedNodesSlotsStopCountingWithItsEntry) {
  auto a = make_registry(0, 600ms);
  auto b = make_registry(1, 600ms);
  a->heartbeat();
  ASSERT_TRUE(eventually([&] { return ids(*b).size() == 1; }));
  EXPECT_TRUE(*acquire(*a, "u", 1));
  EXPECT_FALSE(*acquire(*b, "u", 1));
  // a stops heartbeating: once it left the registry its slot no longer counts.
  EXPECT_TRUE(eventually([&] {
    std::this_thread::sleep_for(50ms);
    auto r = acquire(*b, "u", 1);
    return r.ok() && *r;
  }));
}

TEST_F(RedisNodeRegistryTest, CountsAreUploadedAgainAfterRedisRestartsEmpty) {
  auto a = make_registry(0);
  auto b = make_registry(1);
  a->heartbeat();
  EXPECT_TRUE(*acquire(*a, "u", 1));
  server_.stop();
  auto down = acquire(*b, "u", 1);
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, hub::code(hub::ErrorCode::unavailable));
  auto listed = list(*b);
  ASSERT_FALSE(listed.ok());
  EXPECT_EQ(listed.error().code, hub::code(hub::ErrorCode::unavailable));

  ASSERT_TRUE(server_.start());  // empty: no persistence
  ASSERT_TRUE(eventually([&] { return broker(0).connected() && broker(1).connected(); }));
  a->heartbeat();  // finds its entry gone and uploads what it holds
  EXPECT_TRUE(eventually([&] {
    auto r = acquire(*b, "u", 1);
    return r.ok() && !*r;
  }));
}

TEST(LocalNodeRegistry, ListsThisNodeAloneAndSharesNoSlots) {
  LocalNodeRegistry registry;
  registry.start([] {
    hub::NodeStatus s;
    s.id = "solo";
    s.connections = 4;
    return s;
  });
  auto nodes = list(registry);
  ASSERT_TRUE(nodes.ok());
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0].id, "solo");
  EXPECT_EQ((*nodes)[0].connections, 4u);
  EXPECT_GT((*nodes)[0].updated_at_ms, 0);
  EXPECT_FALSE(registry.shares_user_slots());
  EXPECT_TRUE(*acquire(registry, "u", 1));
  EXPECT_TRUE(*acquire(registry, "u", 1));  // the hub's own count is the limit
}

}  // namespace
}  // namespace wshub::broker
