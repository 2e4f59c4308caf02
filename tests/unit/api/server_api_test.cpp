// ServerApi over a real Hub and MemoryBroker (no workers: nothing here needs a loop).
#include "api/ServerApi.h"

#include <gtest/gtest.h>

#include <deque>

#include "api/ApiCommandParser.h"
#include "broker/MemoryBroker.h"
#include "hub/ErrorCode.h"

namespace wshub::api {
namespace {

// The memory broker, with publish and history completions held back until run_deferred():
// the asynchronous path a network broker takes.
class DeferredBroker final : public hub::Broker {
 public:
  void set_event_handler(hub::BrokerEventHandler* handler) override { inner_.set_event_handler(handler); }
  void subscribe(const std::string& c, hub::Completion<hub::Unit> done) override { inner_.subscribe(c, std::move(done)); }
  void unsubscribe(const std::string& c) override { inner_.unsubscribe(c); }
  void publish(hub::Publication p, const hub::PublishOptions& o, hub::Completion<hub::StreamPosition> done) override {
    inner_.publish(std::move(p), o, defer(std::move(done)));
  }
  void publish_join(const std::string& c, const hub::ClientInfo& i) override { inner_.publish_join(c, i); }
  void publish_leave(const std::string& c, const hub::ClientInfo& i) override { inner_.publish_leave(c, i); }
  void send_to_user(const std::string& u, hub::Publication m, hub::Completion<hub::Unit> done) override {
    inner_.send_to_user(u, std::move(m), std::move(done));
  }
  void send_user_command(const hub::UserCommand& c, hub::Completion<hub::Unit> done) override {
    inner_.send_user_command(c, std::move(done));
  }
  void history(const std::string& c, const hub::HistoryFilter& f, const hub::HistoryOptions& o,
               hub::Completion<hub::HistoryResult> done) override {
    inner_.history(c, f, o, defer(std::move(done)));
  }
  void remove_history(const std::string& c, hub::Completion<hub::Unit> done) override { inner_.remove_history(c, std::move(done)); }
  void add_presence(const std::string& c, const hub::ClientInfo& i, std::chrono::milliseconds t,
                    hub::Completion<hub::Unit> done) override {
    inner_.add_presence(c, i, t, std::move(done));
  }
  void remove_presence(const std::string& c, const std::string& id, hub::Completion<hub::Unit> done) override {
    inner_.remove_presence(c, id, std::move(done));
  }
  void presence(const std::string& c, hub::Completion<std::vector<hub::ClientInfo>> done) override { inner_.presence(c, std::move(done)); }
  void presence_stats(const std::string& c, hub::Completion<hub::PresenceStats> done) override {
    inner_.presence_stats(c, std::move(done));
  }

  // Runs held completions (and those they cause) until none is left; returns how many ran.
  size_t run_deferred() {
    size_t n = 0;
    while (!deferred_.empty()) {
      auto task = std::move(deferred_.front());
      deferred_.pop_front();
      task();
      ++n;
    }
    return n;
  }

 private:
  template <typename T>
  hub::Completion<T> defer(hub::Completion<T> done) {
    return [this, done = std::move(done)](hub::Result<T> result) {
      deferred_.push_back([done, result = std::move(result)] { done(result); });
    };
  }

  broker::MemoryBroker inner_;
  std::deque<std::function<void()>> deferred_;
};

hub::HubOptions options() {
  hub::NamespaceOptions channels;
  channels.history_size = 10;
  channels.history_ttl = std::chrono::minutes(1);
  channels.presence = true;
  hub::HubOptions o;
  o.namespaces = hub::NamespaceTable(channels);
  hub::NamespaceOptions quiet;
  quiet.name = "quiet";
  o.namespaces.add(quiet);
  o.node_id = "node1";
  return o;
}

class ServerApiTest : public ::testing::Test {
 protected:
  hub::Result<std::string> call(Method method, std::string_view body) {
    hub::Result<ApiCommand> command = parse_api_command(method, body);
    EXPECT_TRUE(command.ok()) << body;
    std::optional<hub::Result<std::string>> answer;
    api_.execute(std::move(*command), [&](hub::Result<std::string> r) { answer = std::move(r); });
    broker_.run_deferred();
    EXPECT_TRUE(answer.has_value()) << "no answer for " << body;
    return answer ? std::move(*answer) : hub::Result<std::string>(hub::Error{0, "none"});
  }
  std::string ok(Method method, std::string_view body) {
    hub::Result<std::string> r = call(method, body);
    EXPECT_TRUE(r.ok()) << body << ": " << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : std::string();
  }

  DeferredBroker broker_;
  hub::Hub hub_{options(), broker_};
  ServerApi api_{hub_, [] {
                   NodeInfo n;
                   n.id = "node1";
                   n.version = "9.9";
                   n.connections = 3;
                   return n;
                 }};
};

TEST_F(ServerApiTest, PublishThenHistory) {
  std::string first = ok(Method::publish, R"({"channel":"news","payload":{"a":1}})");
  EXPECT_TRUE(first.starts_with(R"({"offset":1,"epoch":")")) << first;
  ok(Method::publish, R"({"channel":"news","type":"alert","payload":2})");
  std::string history = ok(Method::history, R"({"channel":"news"})");
  EXPECT_NE(history.find(R"({"type":"message","channel":"news","offset":1,"payload":{"a":1}})"), std::string::npos) << history;
  EXPECT_NE(history.find(R"({"type":"alert","channel":"news","offset":2,"payload":2})"), std::string::npos) << history;
  EXPECT_NE(history.find(R"("offset":2,"epoch":")"), std::string::npos) << history;
}

TEST_F(ServerApiTest, IdempotencyKeyReturnsTheFirstResult) {
  std::string a = ok(Method::publish, R"({"channel":"n","payload":1,"idempotency_key":"k"})");
  std::string b = ok(Method::publish, R"({"channel":"n","payload":1,"idempotency_key":"k"})");
  EXPECT_EQ(a, b);
  std::string history = ok(Method::history, R"({"channel":"n"})");
  EXPECT_EQ(history.find(R"("offset":2)"), std::string::npos) << history;
}

TEST_F(ServerApiTest, ErrorsKeepTheirCodes) {
  hub::Result<std::string> r = call(Method::publish, R"({"channel":"nope:x","payload":1})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, hub::code(hub::ErrorCode::unknown_channel));
  r = call(Method::history, R"({"channel":"quiet:x"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, hub::code(hub::ErrorCode::not_available));
  r = call(Method::subscribe, R"({"user":"u","channel":"bad channel"})");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, hub::code(hub::ErrorCode::unknown_channel));
}

TEST_F(ServerApiTest, BroadcastListsEveryChannelInOrder) {
  std::string out = ok(Method::broadcast, R"({"channels":["b","a","x y"],"payload":true})");
  EXPECT_TRUE(out.starts_with(R"({"results":[{"channel":"b","offset":1,"epoch":")")) << out;
  EXPECT_NE(out.find(R"({"channel":"a","offset":1,"epoch":")"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"channel":"x y","error":{"code":102,"message":)"), std::string::npos) << out;
}

// The batch's publish completes asynchronously (deferred), yet the history after it sees it.
TEST_F(ServerApiTest, BatchRunsSequentiallyAcrossAsynchronousCompletions) {
  std::string out = ok(Method::batch, R"({"commands":[
      {"method":"publish","params":{"channel":"s","payload":"one"}},
      {"method":"publish","params":{"channel":"s","payload":"two"}},
      {"method":"history","params":{"channel":"s"}},
      {"method":"presence","params":{"channel":"quiet:x"}},
      {"method":"info"}]})");
  EXPECT_TRUE(out.starts_with(R"({"replies":[{"offset":1,)")) << out;
  EXPECT_NE(out.find(R"("offset":2,"payload":"two"}],"offset":2)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"error":{"code":108,)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"({"nodes":[{"id":"node1","address":"","version":"9.9","uptime":0,"connections":3,)"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find(R"("totals":{"nodes":1,"connections":3,)"), std::string::npos) << out;
}

TEST_F(ServerApiTest, PresenceAndStatsOfAnEmptyChannel) {
  EXPECT_EQ(ok(Method::presence, R"({"channel":"p"})"), R"({"clients":[]})");
  EXPECT_EQ(ok(Method::presence_stats, R"({"channel":"p"})"), R"({"num_clients":0,"num_users":0})");
}

TEST_F(ServerApiTest, HistoryRemoveStartsANewStream) {
  ok(Method::publish, R"({"channel":"r","payload":1})");
  EXPECT_EQ(ok(Method::history_remove, R"({"channel":"r"})"), "{}");
  EXPECT_TRUE(ok(Method::publish, R"({"channel":"r","payload":1})").starts_with(R"({"offset":1,)"));
}

TEST_F(ServerApiTest, ChannelsWithoutWorkersIsEmpty) {
  EXPECT_EQ(ok(Method::channels, R"({"pattern":"*"})"), R"({"channels":[]})");
}

TEST_F(ServerApiTest, ConnectionsWithoutWorkersIsEmpty) {
  EXPECT_EQ(ok(Method::connections, R"({"user":"42","channel":"chat:*"})"), R"({"connections":[],"total":0})");
}

}  // namespace
}  // namespace wshub::api
