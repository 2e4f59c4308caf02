// A bus-delivered publish runs through ServerApi like api/publish; its outcome says whether
// the consumer acknowledges, retries or rejects it.
#include <gtest/gtest.h>

#include <future>

#include "api/IngestedCommand.h"
#include "broker/MemoryBroker.h"
#include "broker/RedisBroker.h"
#include "hub/ErrorCode.h"

namespace wshub::api {
namespace {

hub::HubOptions hub_options() {
  hub::NamespaceOptions channels;
  channels.history_size = 10;
  channels.history_ttl = std::chrono::minutes(1);
  hub::HubOptions options;
  options.namespaces = hub::NamespaceTable(channels);
  options.node_id = "node1";
  return options;
}

class IngestedCommandTest : public ::testing::Test {
 protected:
  IngestedCommandTest() {
    hub_ = std::make_unique<hub::Hub>(hub_options(), broker_, nullptr);
    api_ = std::make_unique<ServerApi>(*hub_, nullptr);
  }

  IngestResult run(std::string_view json, std::string fallback = "fallback", size_t max = 1 << 20) {
    IngestResult out;
    bool called = false;
    execute_ingested_publish(*api_, json, std::move(fallback), max, [&](IngestResult r) {
      out = std::move(r);
      called = true;
    });
    EXPECT_TRUE(called);  // the memory broker completes inline
    return out;
  }

  broker::MemoryBroker broker_;
  std::unique_ptr<hub::Hub> hub_;
  std::unique_ptr<ServerApi> api_;
};

TEST_F(IngestedCommandTest, AcceptedWithThePosition) {
  IngestResult r = run(R"({"channel":"news","payload":{"n":1}})");
  EXPECT_EQ(r.outcome, IngestOutcome::accepted);
  EXPECT_NE(r.detail.find("\"offset\":1"), std::string::npos) << r.detail;
}

TEST_F(IngestedCommandTest, FallbackKeyMakesARedeliveryANoOp) {
  EXPECT_NE(run(R"({"channel":"news","payload":1})", "stream:1-0").detail.find("\"offset\":1"),
            std::string::npos);
  EXPECT_NE(run(R"({"channel":"news","payload":1})", "stream:1-0").detail.find("\"offset\":1"),
            std::string::npos);
  EXPECT_NE(run(R"({"channel":"news","payload":1})", "stream:2-0").detail.find("\"offset\":2"),
            std::string::npos);
}

TEST_F(IngestedCommandTest, TheCommandsOwnKeyWins) {
  run(R"({"channel":"news","payload":1,"idempotency_key":"k"})", "stream:1-0");
  IngestResult again = run(R"({"channel":"news","payload":1,"idempotency_key":"k"})", "stream:2-0");
  EXPECT_NE(again.detail.find("\"offset\":1"), std::string::npos) << again.detail;
}

TEST_F(IngestedCommandTest, MalformedIsRejected) {
  for (std::string_view bad :
       {"{", "[]", R"({"payload":1})", R"({"channel":"news"})", R"({"channel":"a b","payload":1})"}) {
    IngestResult r = run(bad);
    EXPECT_EQ(r.outcome, IngestOutcome::rejected) << bad;
    EXPECT_NE(r.code, 0u) << bad;
  }
  IngestResult big = run(R"({"channel":"news","payload":"0123456789"})", "k", 10);
  EXPECT_EQ(big.outcome, IngestOutcome::rejected);
}

// A Redis broker with no Redis behind it answers `unavailable`, from its own thread.
TEST(IngestedCommand, UnavailableIsRetried) {
  broker::RedisBrokerOptions options;
  options.address = "127.0.0.1:1";
  options.start_timeout = std::chrono::milliseconds(200);
  broker::RedisBroker broker(options);
  hub::Hub hub(hub_options(), broker, nullptr);
  ServerApi api(hub, nullptr);
  std::promise<IngestResult> result;
  execute_ingested_publish(api, R"({"channel":"news","payload":1})", "k", 1 << 20,
                           [&](IngestResult r) { result.set_value(std::move(r)); });
  IngestResult r = result.get_future().get();
  EXPECT_EQ(r.outcome, IngestOutcome::retry);
  EXPECT_EQ(r.code, hub::code(hub::ErrorCode::unavailable));
  broker.shutdown();
}

}  // namespace
}  // namespace wshub::api
