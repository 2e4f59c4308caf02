// Hub::connections over one real worker loop and recording peers: filters by user and by
// channel, the oldest first, the limit and the total.
#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "broker/MemoryBroker.h"
#include "hub/ConnectionQuery.h"
#include "hub/Hub.h"
#include "loop_thread.h"
#include "recording_peer.h"

namespace wshub::hub {
namespace {

class ConnectionQueryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HubOptions options;
    options.allow_anonymous = true;
    NamespaceOptions ns;
    ns.subscribe = Access::anyone;
    options.namespaces = NamespaceTable(ns);
    options.namespaces.set_fallback_to_default(true);  // "chat:lobby" without a [namespaces.chat]
    hub_ = std::make_unique<Hub>(std::move(options), broker_);
    worker_ = &hub_->add_worker(loop_thread_.loop());
    loop_thread_.start();
  }
  void TearDown() override {
    on_loop([this] { peers_.clear(); });
    loop_thread_.stop();
    hub_.reset();
  }

  template <typename F>
  void on_loop(F&& f) {
    loop_thread_.run(f, true);
  }

  RecordingPeer& connect(std::string user, std::vector<std::string> channels) {
    RecordingPeer* peer = nullptr;
    on_loop([&] {
      peers_.push_back(std::make_unique<RecordingPeer>(*worker_));
      peer = peers_.back().get();
      std::optional<Credentials> credentials;
      if (!user.empty()) credentials = Credentials{user, {}, std::nullopt, {}};
      peer->client = worker_->open_client(*peer, Encoding::json, std::move(credentials));
    });
    for (const std::string& channel : channels) {
      std::string command = R"({"type":"subscribe","channel":")" + channel + R"("})";
      on_loop([&] { peer->client->on_frame(bytes(command)); });
    }
    return *peer;
  }

  ConnectionList query(ConnectionQuery q) {
    std::promise<Result<ConnectionList>> result;
    hub_->connections(std::move(q), [&](Result<ConnectionList> r) { result.set_value(std::move(r)); });
    Result<ConnectionList> r = result.get_future().get();
    EXPECT_TRUE(r.ok());
    return r.ok() ? std::move(*r) : ConnectionList{};
  }

  static std::vector<std::string> users(const ConnectionList& list) {
    std::vector<std::string> out;
    for (const ConnectionSummary& c : list.connections) out.push_back(c.user);
    return out;
  }

  broker::MemoryBroker broker_;
  LoopThread loop_thread_;
  std::unique_ptr<Hub> hub_;
  WorkerHub* worker_ = nullptr;
  std::vector<std::unique_ptr<RecordingPeer>> peers_;
};

TEST_F(ConnectionQueryTest, EveryConnectionWithItsDetails) {
  connect("alice", {"news", "chat"});
  connect("", {"news"});
  ConnectionList all = query({});
  EXPECT_EQ(all.total, 2u);
  ASSERT_EQ(all.connections.size(), 2u);
  const ConnectionSummary& alice = all.connections[0];  // the oldest first
  EXPECT_EQ(alice.user, "alice");
  EXPECT_EQ(alice.channels, (std::vector<std::string>{"chat", "news"}));  // sorted
  EXPECT_EQ(alice.remote_address, "test");
  EXPECT_EQ(alice.worker, 0u);
  EXPECT_FALSE(alice.client.empty());
  EXPECT_GT(alice.connected_at_ms, 0);
  EXPECT_EQ(all.connections[1].user, "");
}

TEST_F(ConnectionQueryTest, ByUserAndByChannel) {
  connect("alice", {"news"});
  connect("bob", {"chat:lobby"});
  connect("alice", {});
  connect("", {"chat:help"});
  EXPECT_EQ(users(query({"alice", nullptr, 100})), (std::vector<std::string>{"alice", "alice"}));
  EXPECT_EQ(query({"nobody", nullptr, 100}).total, 0u);
  auto chat = [](std::string_view channel) { return channel.starts_with("chat:"); };
  EXPECT_EQ(users(query({"", chat, 100})), (std::vector<std::string>{"bob", ""}));
  EXPECT_EQ(query({"alice", chat, 100}).total, 0u);  // both filters apply
}

TEST_F(ConnectionQueryTest, TheLimitKeepsTheOldestAndTheTotalCountsAll) {
  for (int i = 0; i < 5; ++i) {
    connect("u" + std::to_string(i), {});
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // distinct connected_at
  }
  ConnectionList two = query({"", nullptr, 2});
  EXPECT_EQ(two.total, 5u);
  EXPECT_EQ(users(two), (std::vector<std::string>{"u0", "u1"}));
}

TEST_F(ConnectionQueryTest, ClosedConnectionsAreGone) {
  RecordingPeer& alice = connect("alice", {"news"});
  on_loop([&] { alice.disconnect(disconnect::normal); });
  EXPECT_EQ(query({}).total, 0u);
}

}  // namespace
}  // namespace wshub::hub
