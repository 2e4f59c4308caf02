#include "api/ApiCommandParser.h"

#include <gtest/gtest.h>

#include "hub/ErrorCode.h"

namespace wshub::api {
namespace {

ApiCommand parse_ok(Method method, std::string_view body) {
  hub::Result<ApiCommand> r = parse_api_command(method, body);
  EXPECT_TRUE(r.ok()) << body << ": " << (r.ok() ? "" : r.error().message);
  return r.ok() ? std::move(*r) : ApiCommand{};
}

std::string parse_error(Method method, std::string_view body, ParserOptions options = {}) {
  hub::Result<ApiCommand> r = parse_api_command(method, body, options);
  EXPECT_FALSE(r.ok()) << body;
  if (r.ok()) return {};
  EXPECT_EQ(r.error().code, hub::code(hub::ErrorCode::bad_request));
  return r.error().message;
}

TEST(ApiCommandParser, MethodNames) {
  EXPECT_EQ(method_from_name("publish"), Method::publish);
  EXPECT_EQ(method_from_name("history_remove"), Method::history_remove);
  EXPECT_EQ(method_from_name("Publish"), std::nullopt);
  EXPECT_EQ(method_from_name(""), std::nullopt);
  for (Method m : {Method::publish, Method::broadcast, Method::send, Method::subscribe, Method::unsubscribe,
                   Method::disconnect, Method::presence, Method::presence_stats, Method::history,
                   Method::history_remove, Method::channels, Method::info, Method::connections, Method::batch}) {
    EXPECT_EQ(method_from_name(method_name(m)), m);
  }
}

TEST(ApiCommandParser, ConnectionsFiltersAndLimit) {
  ApiCommand empty = parse_ok(Method::connections, "");
  auto& all = std::get<ConnectionsParams>(empty.params);
  EXPECT_EQ(all.user, "");
  EXPECT_EQ(all.channel, "");
  EXPECT_EQ(all.limit, ConnectionsParams::kDefaultLimit);
  ApiCommand c = parse_ok(Method::connections, R"({"user":"42","channel":"chat:*","limit":1000})");
  auto& p = std::get<ConnectionsParams>(c.params);
  EXPECT_EQ(p.user, "42");
  EXPECT_EQ(p.channel, "chat:*");
  EXPECT_EQ(p.limit, 1000u);
  EXPECT_EQ(parse_error(Method::connections, R"({"limit":0})"), "limit: must be from 1 to 1000");
  EXPECT_EQ(parse_error(Method::connections, R"({"limit":1001})"), "limit: must be from 1 to 1000");
  EXPECT_EQ(parse_error(Method::connections, R"({"user":7})"), "user: must be a string");
}

TEST(ApiCommandParser, PublishKeepsThePayloadAsCompactJson) {
  ApiCommand c = parse_ok(Method::publish,
                          R"({"channel":"news","type":"alert","payload": { "a" : [1, 2.5, "x"] },"idempotency_key":"k1"})");
  auto& p = std::get<PublishParams>(c.params);
  EXPECT_EQ(p.channel, "news");
  EXPECT_EQ(p.type, "alert");
  EXPECT_EQ(p.payload, R"({"a":[1,2.5,"x"]})");
  EXPECT_EQ(p.idempotency_key, "k1");
  ApiCommand scalar = parse_ok(Method::publish, R"({"channel":"n","payload":null})");
  EXPECT_EQ(std::get<PublishParams>(scalar.params).payload, "null");
  EXPECT_EQ(std::get<PublishParams>(scalar.params).type, "");
}

TEST(ApiCommandParser, ErrorsNameTheField) {
  EXPECT_EQ(parse_error(Method::publish, R"({"payload":1})"), "channel: required");
  EXPECT_EQ(parse_error(Method::publish, R"({"channel":"","payload":1})"), "channel: must not be empty");
  EXPECT_EQ(parse_error(Method::publish, R"({"channel":1,"payload":1})"), "channel: must be a string");
  EXPECT_EQ(parse_error(Method::publish, R"({"channel":"x"})"), "payload: required");
  EXPECT_EQ(parse_error(Method::send, R"({"payload":1})"), "user: required");
  EXPECT_EQ(parse_error(Method::history, R"({"channel":"x","limit":-1})"), "limit: must be a non-negative integer");
  EXPECT_EQ(parse_error(Method::history, R"({"channel":"x","reverse":"yes"})"), "reverse: must be true or false");
  EXPECT_EQ(parse_error(Method::history, R"({"channel":"x","since":5})"),
            "since: must be an object {\"offset\",\"epoch\"}");
  EXPECT_EQ(parse_error(Method::broadcast, R"({"channels":[],"payload":1})"), "channels: must not be empty");
  EXPECT_EQ(parse_error(Method::broadcast, R"({"channels":["a",2],"payload":1})"), "channels: must hold non-empty strings");
  EXPECT_EQ(parse_error(Method::disconnect, R"({"user":"u","code":1000})"), "code: must be a close code from 4000 to 4999");
  EXPECT_EQ(parse_error(Method::disconnect, R"({"user":"u","reason":")" + std::string(124, 'r') + "\"}"),
            "reason: longer than 123 bytes");
}

TEST(ApiCommandParser, BodyMustBeOneJsonObject) {
  EXPECT_EQ(parse_error(Method::info, "[]"), "body: must be a JSON object");
  EXPECT_TRUE(parse_error(Method::info, "{").starts_with("body: not valid JSON"));
  EXPECT_TRUE(parse_error(Method::info, "{} {}").starts_with("body: not valid JSON"));
  parse_ok(Method::info, "");  // no body: no parameters
  parse_ok(Method::info, "{}");
}

TEST(ApiCommandParser, PayloadDepthIsBoundedLikeClientPayloads) {
  std::string ok = R"({"channel":"x","payload":)" + std::string(64, '[') + std::string(64, ']') + "}";
  parse_ok(Method::publish, ok);
  std::string deep = R"({"channel":"x","payload":)" + std::string(65, '[') + std::string(65, ']') + "}";
  EXPECT_EQ(parse_error(Method::publish, deep), "payload: nested too deeply");
  // Brackets inside strings do not count.
  parse_ok(Method::publish, R"({"channel":"x","payload":")" + std::string(100, '[') + "\"}");
}

TEST(ApiCommandParser, DisconnectDefaults) {
  ApiCommand c = parse_ok(Method::disconnect, R"({"user":"u"})");
  auto& d = std::get<DisconnectParams>(c.params);
  EXPECT_EQ(d.code, 4000);
  EXPECT_FALSE(d.reconnect);
  EXPECT_FALSE(d.reason.empty());
}

TEST(ApiCommandParser, HistoryFilter) {
  ApiCommand c = parse_ok(Method::history, R"({"channel":"x","since":{"offset":7,"epoch":"e"},"limit":3,"reverse":true})");
  auto& h = std::get<HistoryParams>(c.params);
  ASSERT_TRUE(h.since);
  EXPECT_EQ(h.since->offset, 7u);
  EXPECT_EQ(h.since->epoch, "e");
  EXPECT_EQ(h.limit, 3u);
  EXPECT_TRUE(h.reverse);
}

TEST(ApiCommandParser, Batch) {
  ApiCommand c = parse_ok(Method::batch, R"({"commands":[
      {"method":"publish","params":{"channel":"a","payload":1}},
      {"method":"info"},
      {"method":"presence","params":{"channel":"b"}}]})");
  auto& b = std::get<BatchParams>(c.params);
  ASSERT_EQ(b.commands.size(), 3u);
  EXPECT_EQ(b.commands[0].method, Method::publish);
  EXPECT_EQ(b.commands[1].method, Method::info);
  EXPECT_EQ(std::get<ChannelParams>(b.commands[2].params).channel, "b");
}

TEST(ApiCommandParser, BatchRefusalsPointAtTheCommand) {
  EXPECT_EQ(parse_error(Method::batch, R"({})"), "commands: required: an array of {\"method\",\"params\"}");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[]})"), "commands: must not be empty");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[1]})"), "commands[0]: must be an object");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[{"params":{}}]})"), "commands[0].method: required string");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[{"method":"nope"}]})"), "commands[0].method: unknown method 'nope'");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[{"method":"info"},{"method":"publish","params":{"channel":"a"}}]})"),
            "commands[1].payload: required");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[{"method":"batch","params":{"commands":[]}}]})"),
            "commands[0].method: a batch cannot contain a batch");
  EXPECT_EQ(parse_error(Method::batch, R"({"commands":[{"method":"info"},{"method":"info"},{"method":"info"}]})",
                        ParserOptions{2}),
            "commands: more than 2 commands");
}

}  // namespace
}  // namespace wshub::api
