#include "server/OperationsEndpoints.h"

#include <gtest/gtest.h>

#include <atomic>

namespace wshub::server {
namespace {

http::Reply ask(http::Handler& handler, std::string_view method, std::string_view path) {
  http::Request request;
  request.method = method;
  request.path = path;
  request.target = path;
  http::Reply out;
  int replies = 0;
  handler.handle(request, [&](http::Reply reply) {
    out = std::move(reply);
    ++replies;
  });
  EXPECT_EQ(replies, 1);
  return out;
}

TEST(ReadinessEndpoint, ReadyThenBrokerDownThenDraining) {
  std::atomic<bool> draining{false};
  bool broker_up = true;
  ReadinessEndpoint readyz(draining, [&] { return broker_up; });
  http::Reply reply = ask(readyz, "GET", "/readyz");
  EXPECT_EQ(reply.status, 200);
  EXPECT_EQ(reply.body, "{\"status\":\"ready\"}\n");
  broker_up = false;
  reply = ask(readyz, "GET", "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "{\"status\":\"broker_unavailable\"}\n");
  draining = true;  // draining wins: the node is leaving whatever the broker does
  broker_up = true;
  reply = ask(readyz, "GET", "/readyz");
  EXPECT_EQ(reply.status, 503);
  EXPECT_EQ(reply.body, "{\"status\":\"draining\"}\n");
}

TEST(OperationsEndpoints, OnlyGetOnTheExactPath) {
  std::atomic<bool> draining{false};
  ReadinessEndpoint readyz(draining, [] { return true; });
  MetricsEndpoint metrics([] { return std::string("m 1\n"); });
  EXPECT_EQ(ask(readyz, "POST", "/readyz").status, 405);
  EXPECT_EQ(ask(readyz, "GET", "/readyzz").status, 404);
  http::Reply page = ask(metrics, "GET", "/metrics");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(page.body, "m 1\n");
  http::Reply refused = ask(metrics, "DELETE", "/metrics");
  EXPECT_EQ(refused.status, 405);
  ASSERT_EQ(refused.headers.size(), 1u);
  EXPECT_EQ(refused.headers[0].first, "Allow");
}

}  // namespace
}  // namespace wshub::server
