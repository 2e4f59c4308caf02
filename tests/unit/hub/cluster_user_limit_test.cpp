// The per-user limit held by a NodeRegistry that shares slots (the Redis one, over a real
// redis-server, or over no Redis at all): the `connected` reply waits for the registry,
// the extra connection on any node is closed with 4029 as for the node's own limit, and
// an unreachable Redis admits (user_limit_fail_open) or refuses with 113 and 4501.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "../broker/redis_server.h"
#include "broker/RedisBroker.h"
#include "broker/RedisNodeRegistry.h"
#include "hub/Hub.h"
#include "hub/WorkerHub.h"
#include "loop_thread.h"
#include "recording_peer.h"

namespace wshub::hub {
namespace {

using namespace std::chrono_literals;
using broker::testing::RedisServer;

class ClusterUserLimitTest : public ::testing::Test {
 protected:
  // One node: its broker on `redis` (not started: unreachable), its registry, its hub.
  struct Node {
    std::unique_ptr<broker::RedisBroker> broker;
    std::unique_ptr<broker::RedisNodeRegistry> registry;
    std::unique_ptr<Hub> hub;
    WorkerHub* worker = nullptr;
    LoopThread loop;
    std::vector<std::unique_ptr<RecordingPeer>> peers;
  };

  void TearDown() override {
    for (auto& node : nodes_) {
      node->loop.run([&] { node->peers.clear(); }, true);
      node->loop.stop();
      node->registry->shutdown();
      node->broker->shutdown();
      node->hub.reset();
    }
  }

  Node& add_node(bool fail_open = true) {
    auto node = std::make_unique<Node>();
    broker::RedisBrokerOptions options;
    options.address = redis_.address();
    options.command_timeout = 500ms;
    options.start_timeout = 500ms;
    options.reconnect_max = 200ms;
    node->broker = std::make_unique<broker::RedisBroker>(options);
    HubOptions hub_options;
    hub_options.max_connections_per_user = 2;
    hub_options.user_limit_fail_open = fail_open;
    hub_options.node_id = "n" + std::to_string(nodes_.size());
    node->hub = std::make_unique<Hub>(std::move(hub_options), *node->broker);
    broker::RedisNodeRegistryOptions registry_options;
    registry_options.node_id = node->hub->node_id();
    node->registry = std::make_unique<broker::RedisNodeRegistry>(*node->broker, registry_options);
    node->hub->set_node_registry(node->registry.get());
    node->worker = &node->hub->add_worker(node->loop.loop());
    node->loop.start();
    nodes_.push_back(std::move(node));
    return *nodes_.back();
  }

  // A connection of `user` on `node` that sent `connect` (id 1); returns its peer once the
  // connect was answered (connected, or error and close).
  RecordingPeer& connect_as(Node& node, const std::string& user) {
    RecordingPeer* peer = nullptr;
    node.loop.run(
        [&] {
          node.peers.push_back(std::make_unique<RecordingPeer>(*node.worker));
          peer = node.peers.back().get();
          peer->client = node.worker->open_client(*peer, Encoding::json, std::nullopt);
          (void)peer->client->accept_credentials(Credentials{user, {}, std::nullopt, {}}, 1,
                                                 /*from_connect=*/true);
        },
        true);
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    bool answered = false;
    while (!answered && std::chrono::steady_clock::now() < deadline) {
      node.loop.run([&] { answered = !peer->messages.empty(); }, true);
      if (!answered) std::this_thread::sleep_for(5ms);
    }
    EXPECT_TRUE(answered) << "connect not answered";
    return *peer;
  }

  static bool connected(const RecordingPeer& peer) {
    return !peer.closed && !peer.messages.empty() &&
           peer.messages[0].starts_with(R"({"type":"connected","id":1)");
  }

  RedisServer redis_;
  std::vector<std::unique_ptr<Node>> nodes_;
};

TEST_F(ClusterUserLimitTest, TheConnectionOverTheClusterLimitIsClosedWith4029OnAnyNode) {
  if (!RedisServer::installed()) GTEST_SKIP() << "redis-server is not installed";
  ASSERT_TRUE(redis_.start());
  Node& a = add_node();
  Node& b = add_node();
  RecordingPeer& first = connect_as(a, "42");
  RecordingPeer& second = connect_as(b, "42");
  EXPECT_TRUE(connected(first));
  EXPECT_TRUE(connected(second));
  RecordingPeer& third = connect_as(a, "42");  // the node's own count is 1: Redis says no
  EXPECT_TRUE(third.closed);
  EXPECT_EQ(third.close_code, 4029);
  ASSERT_FALSE(third.messages.empty());
  EXPECT_TRUE(third.messages[0].starts_with(R"({"type":"error","id":1,"code":111,)")) << third.messages[0];
  a.loop.run([&] { EXPECT_EQ(a.worker->counters().refused_per_user.load(), 1u); }, true);
  // Closing gives the slot back (asynchronously).
  b.loop.run([&] { second.disconnect(disconnect::normal); }, true);
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted; ++i) {
    admitted = connected(connect_as(a, "42"));
    if (!admitted) std::this_thread::sleep_for(20ms);
  }
  EXPECT_TRUE(admitted);
}

TEST_F(ClusterUserLimitTest, UnreachableRedisAdmitsWhenFailOpen) {
  Node& node = add_node(/*fail_open=*/true);
  EXPECT_TRUE(connected(connect_as(node, "42")));
}

TEST_F(ClusterUserLimitTest, UnreachableRedisRefusesWith113And4501WhenFailClosed) {
  Node& node = add_node(/*fail_open=*/false);
  RecordingPeer& peer = connect_as(node, "42");
  EXPECT_TRUE(peer.closed);
  EXPECT_EQ(peer.close_code, 4501);
  ASSERT_FALSE(peer.messages.empty());
  EXPECT_TRUE(peer.messages[0].starts_with(R"({"type":"error","id":1,"code":113,)")) << peer.messages[0];
  // The node's own slot was given back with the connection.
  node.loop.run([&] { EXPECT_EQ(node.hub->user_connections().count("42"), 0u); }, true);
}

}  // namespace
}  // namespace wshub::hub
