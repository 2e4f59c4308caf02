// NatsIngest over a real nats-server (tests/unit/broker/nats_server.h), a real Hub and the
// memory broker: a NATS request with a publish command is executed like POST /api/publish
// and answered with the same JSON; a bad command is answered with the error.
#include "server/NatsIngest.h"

#include <gtest/gtest.h>
#include <nats/nats.h>

#include <memory>
#include <string>

#include "../broker/nats_server.h"
#include "api/ApiCommandParser.h"
#include "broker/MemoryBroker.h"
#include "hub/Hub.h"

namespace wshub::server {
namespace {

using broker::testing::NatsServer;

hub::HubOptions options() {
  hub::NamespaceOptions channels;
  channels.history_size = 10;
  hub::HubOptions o;
  o.namespaces = hub::NamespaceTable(channels);
  o.node_id = "node1";
  return o;
}

class NatsIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!NatsServer::installed()) GTEST_SKIP() << "nats-server is not installed";
    ASSERT_TRUE(server_.start());
    NatsIngestOptions o;
    o.url = server_.url();
    o.subject = "test.api";
    ingest_ = std::make_unique<NatsIngest>(o, api_);
    ASSERT_EQ(natsConnection_ConnectTo(&client_, server_.url().c_str()), NATS_OK);
  }
  void TearDown() override {
    if (client_) natsConnection_Destroy(client_);
    ingest_.reset();
  }

  // A NATS request on the ingestion subject (subscribed before the constructor returned);
  // the reply's text, or "" after 5 s.
  std::string request(const std::string& body) {
    natsMsg* reply = nullptr;
    if (natsConnection_RequestString(&reply, client_, "test.api", body.c_str(), 5000) != NATS_OK) return "";
    std::string text(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
    natsMsg_Destroy(reply);
    return text;
  }

  NatsServer server_;
  broker::MemoryBroker broker_;
  hub::Hub hub_{options(), broker_};
  api::ServerApi api_{hub_, [] { return api::NodeInfo{}; }};
  std::unique_ptr<NatsIngest> ingest_;
  natsConnection* client_ = nullptr;
};

TEST_F(NatsIngestTest, APublishCommandIsExecutedAndAnsweredLikeTheHttpApi) {
  const std::string answer = request(R"({"channel":"news","payload":{"n":1}})");
  EXPECT_TRUE(answer.starts_with(R"({"offset":1,"epoch":")")) << answer;
  std::optional<hub::Result<std::string>> history;
  api_.execute(*api::parse_api_command(api::Method::history, R"({"channel":"news"})"),
               [&](hub::Result<std::string> r) { history = std::move(r); });
  ASSERT_TRUE(history && history->ok());
  EXPECT_NE((*history)->find(R"("payload":{"n":1})"), std::string::npos) << **history;
}

TEST_F(NatsIngestTest, ABadCommandIsAnsweredWithItsError) {
  // Byte for byte the HTTP API's error body (with its final newline).
  EXPECT_EQ(request(R"({"payload":1})"), R"({"error":{"code":107,"message":"channel: required"}})"
                                         "\n");
  const std::string unknown = request(R"({"channel":"nope:x","payload":1})");
  EXPECT_TRUE(unknown.starts_with(R"({"error":{"code":102,)")) << unknown;
}

}  // namespace
}  // namespace wshub::server
