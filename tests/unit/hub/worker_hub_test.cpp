// The hub over the real in-memory broker, with recording peers instead of sockets: one
// worker loop on its own thread, driven by posting the test's steps to it.
#include "hub/WorkerHub.h"

#include <gtest/gtest.h>


#include "broker/MemoryBroker.h"
#include "hub/Hub.h"
#include "loop_thread.h"
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
    configure(options);
    hub_ = std::make_unique<Hub>(std::move(options), broker_);
    worker_ = &hub_->add_worker(loop_thread_.loop());
    loop_thread_.start();
  }
  void TearDown() override {
    on_loop([this] { peers_.clear(); });
    loop_thread_.stop();
    hub_.reset();
  }

  virtual void configure(HubOptions&) {}

  // Runs `f` on the worker's loop and waits; then lets posted deliveries run too.
  template <typename F>
  void on_loop(F&& f) {
    loop_thread_.run(f, true);
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
  LoopThread loop_thread_;
  std::unique_ptr<Hub> hub_;
  WorkerHub* worker_ = nullptr;
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
    ASSERT_EQ(a.client->accept_credentials(Credentials{"42", {}, std::nullopt, {}}),
              Client::Admission::admitted);
    ASSERT_EQ(b.client->accept_credentials(Credentials{"42", {}, std::nullopt, {}}),
              Client::Admission::admitted);
    ASSERT_EQ(other.client->accept_credentials(Credentials{"7", {}, std::nullopt, {}}),
              Client::Admission::admitted);
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

// A network broker that lost its subscriptions for a while: subscribers are sent away with
// 4502 (reconnect and recover); connections without subscriptions stay.
TEST_F(WorkerHubTest, InterruptedSubscriptionsCloseSubscribersWith4502) {
  RecordingPeer& subscriber = connect();
  RecordingPeer& idle = connect();
  send(subscriber, R"({"type":"subscribe","id":1,"channel":"room"})");
  hub_->on_subscriptions_interrupted();
  on_loop([] {});
  EXPECT_TRUE(subscriber.closed);
  EXPECT_EQ(subscriber.close_code, 4502);
  EXPECT_FALSE(idle.closed);
}

// The channel's history restarts (history_remove here; a stream that expired, or a Redis
// restarted without persistence) while a subscriber is live: the new epoch's offsets start
// at 1 again. Before, the subscriber silently dropped them as duplicates of offsets it had
// seen; now it is told with 4502 and recovers to `recovered: false`.
TEST_F(WorkerHubTest, AnEpochChangeUnderALiveSubscriberClosesItWith4502) {
  RecordingPeer& subscriber = connect();
  RecordingPeer& other = connect();
  send(subscriber, R"({"type":"subscribe","id":1,"channel":"room"})");
  send(other, R"({"type":"subscribe","id":1,"channel":"other"})");
  for (int i = 0; i < 3; ++i) hub_->publish(Publication{"room", 0, "", Payload{Encoding::json, "1"}}, [](auto) {});
  on_loop([] {});
  ASSERT_EQ(subscriber.messages.size(), 4u);
  hub_->remove_history("room", [](auto) {});
  hub_->publish(Publication{"room", 0, "", Payload{Encoding::json, "2"}}, [](auto) {});
  on_loop([] {});
  EXPECT_TRUE(subscriber.closed);
  EXPECT_EQ(subscriber.close_code, 4502);
  EXPECT_FALSE(other.closed);
}

// Limits (docs/security.md): two connections per user, and a message rate so slow that
// only the burst of 3 counts within a test, with the third refusal closing.
class WorkerHubLimitsTest : public WorkerHubTest {
 protected:
  void configure(HubOptions& options) override {
    options.max_connections_per_user = 2;
    options.request_rate.rate = net::TokenRate(0.01, 3);
    options.request_rate.max_refusals = 3;
    options.request_rate.refusal_window = std::chrono::seconds(60);
  }
  bool become(RecordingPeer& peer, const std::string& user) {
    bool ok = false;
    on_loop([&] {
      ok = peer.client->accept_credentials(Credentials{user, {}, std::nullopt, {}}) ==
           Client::Admission::admitted;
    });
    return ok;
  }
};

TEST_F(WorkerHubLimitsTest, TheUsersExtraConnectionIsClosedWith4029AndTheOthersStay) {
  RecordingPeer& a = connect();
  RecordingPeer& b = connect();
  RecordingPeer& extra = connect();
  RecordingPeer& other = connect();
  EXPECT_TRUE(become(a, "42"));
  EXPECT_TRUE(become(b, "42"));
  EXPECT_FALSE(become(extra, "42"));
  EXPECT_TRUE(become(other, "7"));
  EXPECT_TRUE(extra.closed);
  EXPECT_EQ(extra.close_code, 4029);
  ASSERT_EQ(extra.messages.size(), 1u);
  EXPECT_EQ(extra.messages[0],
            R"({"type":"disconnect","code":4029,"reason":"too many requests","reconnect":true})");
  EXPECT_FALSE(a.closed || b.closed || other.closed);
  on_loop([&] {
    EXPECT_EQ(hub_->user_connections().count("42"), 2u);
    EXPECT_EQ(worker_->counters().refused_per_user.load(), 1u);
    EXPECT_EQ(worker_->counters().closes_too_many_requests.load(), 1u);
  });
  // A connection of the user closes: the slot is free again.
  on_loop([&] { a.disconnect(disconnect::normal); });
  RecordingPeer& again = connect();
  EXPECT_TRUE(become(again, "42"));
  on_loop([&] { EXPECT_EQ(hub_->user_connections().count("42"), 2u); });
}

TEST_F(WorkerHubLimitsTest, CredentialsOnTheUpgradeOverTheLimitLeaveNoClient) {
  RecordingPeer& a = connect();
  RecordingPeer& b = connect();
  EXPECT_TRUE(become(a, "42"));
  EXPECT_TRUE(become(b, "42"));
  // Credentials on the upgrade (Authorization: Bearer): no client is left behind.
  RecordingPeer* bearer = nullptr;
  on_loop([&] {
    peers_.push_back(std::make_unique<RecordingPeer>(*worker_));
    bearer = peers_.back().get();
    bearer->client = worker_->open_client(*bearer, Encoding::json, Credentials{"42", {}, std::nullopt, {}});
  });
  EXPECT_EQ(bearer->client, nullptr);
  EXPECT_TRUE(bearer->closed);
  EXPECT_EQ(bearer->close_code, 4029);
  on_loop([&] { EXPECT_EQ(worker_->client_count(), 2u); });
}

TEST_F(WorkerHubLimitsTest, RequestsOverTheRateGet111AndSustainedAbuseCloses4029) {
  RecordingPeer& a = connect();
  RecordingPeer& bystander = connect();
  for (int i = 1; i <= 3; ++i) send(a, R"({"type":"ping","id":)" + std::to_string(i) + "}");
  ASSERT_EQ(a.messages.size(), 3u);
  EXPECT_EQ(a.messages[2], R"({"type":"pong","id":3})");
  // A batch counts every command; garbage counts too.
  send(a, R"([{"type":"ping","id":4},{"type":"subscribe","id":5,"channel":"room"}])");
  ASSERT_EQ(a.messages.size(), 5u);
  EXPECT_EQ(a.messages[3], R"({"type":"error","id":4,"code":111,"message":"too many requests"})");
  EXPECT_EQ(a.messages[4], R"({"type":"error","id":5,"code":111,"message":"too many requests"})");
  on_loop([&] { EXPECT_EQ(worker_->channel_count(), 0u); });  // the subscribe was not processed
  EXPECT_FALSE(a.closed);
  send(a, "{not json");
  EXPECT_TRUE(a.closed);
  EXPECT_EQ(a.close_code, 4029);
  ASSERT_EQ(a.messages.size(), 7u);
  EXPECT_EQ(a.messages[5], R"({"type":"error","code":111,"message":"too many requests"})");
  EXPECT_EQ(a.messages[6],
            R"({"type":"disconnect","code":4029,"reason":"too many requests","reconnect":true})");
  // Every connection has its own bucket.
  send(bystander, R"({"type":"ping","id":1})");
  EXPECT_EQ(bystander.messages.back(), R"({"type":"pong","id":1})");
  on_loop([&] {
    EXPECT_EQ(worker_->counters().requests_rate_limited.load(), 3u);
    EXPECT_EQ(worker_->counters().closes_too_many_requests.load(), 1u);
  });
}

}  // namespace
}  // namespace wshub::hub
