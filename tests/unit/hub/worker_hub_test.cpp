// The hub over the real in-memory broker, with recording peers instead of sockets: one
// worker loop on its own thread, driven by posting the test's steps to it.
#include "hub/WorkerHub.h"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "broker/MemoryBroker.h"
#include "hub/Hub.h"
#include "recording_peer.h"
#include "ws/FramedMessage.h"

namespace wshub::hub {
namespace {

class WorkerHubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HubOptions options;
    options.allow_anonymous = true;
    NamespaceOptions ns;
    ns.subscribe = ns.publish = ns.read_presence = ns.read_history = Access::anyone;
    ns.history_size = 100;
    ns.presence = true;
    options.namespaces = NamespaceTable(ns);
    hub_ = std::make_unique<Hub>(std::move(options), broker_);
    worker_ = &hub_->add_worker(loop_);
    thread_ = std::thread([this] { loop_.run(); });
  }
  void TearDown() override {
    on_loop([this] { peers_.clear(); });
    loop_.stop();
    thread_.join();
    hub_.reset();
  }

  // Runs `f` on the worker's loop and waits; then lets posted deliveries run too.
  template <typename F>
  void on_loop(F&& f) {
    std::promise<void> done;
    loop_.post([&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
    std::promise<void> drained;  // a second pass: tasks posted by the first have run
    loop_.post([&] { drained.set_value(); });
    drained.get_future().wait();
  }

  RecordingPeer& connect() {
    RecordingPeer* peer = nullptr;
    on_loop([&] {
      peers_.push_back(std::make_unique<RecordingPeer>(*worker_));
      peer = peers_.back().get();
      peer->client = worker_->open_client(*peer, Encoding::json, std::nullopt);
    });
    return *peer;
  }

  void send(RecordingPeer& peer, std::string_view text) {
    on_loop([&] {
      if (!peer.closed) peer.client->on_frame(bytes(text));
    });
  }

  broker::MemoryBroker broker_;
  net::EventLoop loop_;
  std::unique_ptr<Hub> hub_;
  WorkerHub* worker_ = nullptr;
  std::thread thread_;
  std::vector<std::unique_ptr<RecordingPeer>> peers_;
};

TEST_F(WorkerHubTest, SubscribePublishAndReceive) {
  RecordingPeer& a = connect();
  RecordingPeer& b = connect();
  send(a, R"({"type":"subscribe","id":1,"channel":"room"})");
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_TRUE(a.messages[0].starts_with(R"({"type":"subscribed","id":1,"channel":"room","offset":0,"epoch":")"))
      << a.messages[0];
  send(b, R"({"type":"publish","id":2,"channel":"room","message_type":"chat","payload":{"t":1}})");
  ASSERT_EQ(b.messages.size(), 1u);
  EXPECT_EQ(b.messages[0], R"({"type":"ack","id":2,"offset":1})");
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_TRUE(a.messages[1].starts_with(R"({"type":"chat","channel":"room","offset":1,"payload":{"t":1},"from":{)"))
      << a.messages[1];
}

TEST_F(WorkerHubTest, SubscribersClosingDuringAFanOutDoNotDisturbIt) {
  std::vector<RecordingPeer*> subscribers;
  for (int i = 0; i < 50; ++i) {
    RecordingPeer& p = connect();
    send(p, R"({"type":"subscribe","channel":"room"})");
    if (i % 3 == 0) p.close_on_next_delivery = true;
    subscribers.push_back(&p);
  }
  RecordingPeer& publisher = connect();
  send(publisher, R"({"type":"publish","channel":"room","payload":1})");
  send(publisher, R"({"type":"publish","channel":"room","payload":2})");
  for (RecordingPeer* p : subscribers) {
    if (p->close_on_next_delivery) {
      EXPECT_TRUE(p->closed);
      EXPECT_EQ(p->messages.size(), 2u);  // subscribed + the first publication
    } else {
      EXPECT_EQ(p->messages.size(), 3u);
    }
  }
  on_loop([&] { EXPECT_EQ(worker_->client_count(), 51u - 17u); });
  // The survivors are still in the channel, and the closed ones left presence.
  send(publisher, R"({"type":"presence","id":9,"channel":"room"})");
  size_t listed = 0;
  for (size_t at = 0; (at = publisher.messages.back().find("\"client\"", at)) != std::string::npos; ++at) ++listed;
  EXPECT_EQ(listed, 33u);
}

TEST_F(WorkerHubTest, UnsubscribeBeforeTheSubscriptionCompletes) {
  RecordingPeer& a = connect();
  // One frame: the subscribe is still pending (the node subscription is answered through
  // the loop's queue) when the unsubscribe arrives.
  send(a, R"([{"type":"subscribe","id":1,"channel":"room"},{"type":"unsubscribe","id":2,"channel":"room"}])");
  ASSERT_EQ(a.messages.size(), 2u);
  EXPECT_EQ(a.messages[0],
            R"({"type":"error","id":1,"code":110,"message":"unsubscribed before the subscription completed"})");
  EXPECT_EQ(a.messages[1], R"({"type":"unsubscribed","id":2,"channel":"room"})");
  on_loop([&] { EXPECT_EQ(worker_->channel_count(), 0u); });
}

TEST_F(WorkerHubTest, ClosedWhileRecoveringFreesNothingTwice) {
  RecordingPeer& publisher = connect();
  for (int i = 0; i < 10; ++i) send(publisher, R"({"type":"publish","channel":"room","payload":1})");
  RecordingPeer& late = connect();
  late.close_after_messages = 4;  // the reply and three of the ten recovered publications
  on_loop([&] {
    std::string epoch;
    broker_.history("room", HistoryFilter{}, HistoryOptions{100, std::chrono::minutes(5)},
                    [&](Result<HistoryResult> r) { epoch = r->position.epoch; });
    std::string frame = R"({"type":"subscribe","id":1,"channel":"room","recover":{"offset":0,"epoch":")" + epoch + "\"}}";
    late.client->on_frame(bytes(frame));
  });
  EXPECT_TRUE(late.closed);
  EXPECT_EQ(late.messages.size(), 4u);
  on_loop([&] { EXPECT_EQ(worker_->client_count(), 1u); });
}

TEST_F(WorkerHubTest, UserMessagesReachEveryConnectionOfTheUser) {
  RecordingPeer& a = connect();
  RecordingPeer& b = connect();
  RecordingPeer& other = connect();
  on_loop([&] {
    a.client->accept_credentials(Credentials{"42", {}, std::nullopt, {}});
    b.client->accept_credentials(Credentials{"42", {}, std::nullopt, {}});
    other.client->accept_credentials(Credentials{"7", {}, std::nullopt, {}});
  });
  Publication message;
  message.type = "note";
  message.payload = Payload{Encoding::json, R"({"x":1})"};
  hub_->send_to_user("42", message);
  on_loop([] {});
  ASSERT_EQ(a.messages.size(), 1u);
  EXPECT_EQ(a.messages[0], R"({"type":"note","payload":{"x":1}})");
  EXPECT_EQ(b.messages, a.messages);
  EXPECT_TRUE(other.messages.empty());
}

}  // namespace
}  // namespace wshub::hub
