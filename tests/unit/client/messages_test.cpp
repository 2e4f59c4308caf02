#include <gtest/gtest.h>

#include "ClientImpl.h"
#include "MessageBuilder.h"
#include "ServerMessage.h"

using namespace wshub::client;

TEST(MessageBuilder, EscapesStrings) {
  std::string out;
  append_json_string(out, std::string("a\"b\\c\n\x01", 7));
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
}

TEST(MessageBuilder, Requests) {
  EXPECT_EQ(build_connect(1, "tok", R"({"d":1})"),
            R"({"type":"connect","id":1,"token":"tok","data":{"d":1}})");
  EXPECT_EQ(build_connect(1, "", ""), R"({"type":"connect","id":1})");
  Recover r{41, "a1b2"};
  EXPECT_EQ(build_subscribe(2, "chat:room-1", &r, ""),
            R"({"type":"subscribe","id":2,"channel":"chat:room-1","recover":{"offset":41,"epoch":"a1b2"}})");
  EXPECT_EQ(build_publish(4, "c", R"({"text":"hi"})", "typing"),
            R"({"type":"publish","id":4,"channel":"c","message_type":"typing","payload":{"text":"hi"}})");
  EXPECT_EQ(
      build_history(7, "c", 100, &r, true),
      R"({"type":"history","id":7,"channel":"c","since":{"offset":41,"epoch":"a1b2"},"limit":100,"reverse":true})");
  EXPECT_EQ(build_ping(nullptr), R"({"type":"ping"})");
  EXPECT_EQ(build_request("chat.send", 10, R"([1])"), R"({"type":"chat.send","id":10,"payload":[1]})");
  EXPECT_EQ(build_request("who", 3, ""), R"({"type":"who","id":3})");
}

TEST(ServerMessage, SubscribedAndPublication) {
  ServerMessageParser parser;
  std::vector<ServerMessage> out;
  ASSERT_TRUE(parser.parse(
      R"({"type":"subscribed","id":2,"channel":"chat:room-1","offset":57,"epoch":"a1b2","recovered":true})",
      out));
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].type, "subscribed");
  EXPECT_TRUE(out[0].has_id);
  EXPECT_EQ(out[0].id, 2u);
  EXPECT_EQ(out[0].offset, 57u);
  EXPECT_EQ(out[0].epoch, "a1b2");
  EXPECT_TRUE(out[0].has_recovered && out[0].recovered);

  ASSERT_TRUE(parser.parse(
      R"({"type":"message","channel":"c","offset":58,"payload":{ "text" : "hi" },"from":{"client":"f3","user":"alice"}})",
      out));
  Publication p = to_publication(out[0]);
  EXPECT_EQ(p.offset, 58u);
  EXPECT_EQ(p.payload_json, R"({"text":"hi"})");
  EXPECT_EQ(p.from.user, "alice");
  EXPECT_FALSE(out[0].has_id);
}

TEST(ServerMessage, PresenceHistoryErrorDisconnect) {
  ServerMessageParser parser;
  std::vector<ServerMessage> out;
  ASSERT_TRUE(parser.parse(
      R"({"type":"presence","id":5,"channel":"c","clients":[{"client":"a","user":"alice"},{"client":"b","user":"bob","info":{"name":"Bob"}}]})",
      out));
  ASSERT_EQ(out[0].clients.size(), 2u);
  EXPECT_EQ(out[0].clients[1].info_json, R"({"name":"Bob"})");
  ASSERT_TRUE(parser.parse(
      R"({"type":"history","id":7,"channel":"c","publications":[{"type":"message","channel":"c","offset":42,"payload":1}],"offset":57,"epoch":"e"})",
      out));
  ASSERT_EQ(out[0].publications.size(), 1u);
  EXPECT_EQ(out[0].publications[0].offset, 42u);
  EXPECT_EQ(out[0].publications[0].payload_json, "1");
  EXPECT_EQ(out[0].offset, 57u);
  ASSERT_TRUE(parser.parse(R"({"type":"error","id":2,"code":107,"message":"channel: required"})", out));
  EXPECT_EQ(out[0].code, 107);
  EXPECT_EQ(out[0].message, "channel: required");
  ASSERT_TRUE(
      parser.parse(R"({"type":"disconnect","code":4004,"reason":"token expired","reconnect":true})", out));
  EXPECT_TRUE(out[0].has_reconnect && out[0].reconnect);
  EXPECT_EQ(out[0].reason, "token expired");
}

TEST(ServerMessage, RefusesWhatIsNotAMessage) {
  ServerMessageParser parser;
  std::vector<ServerMessage> out;
  EXPECT_FALSE(parser.parse("not json", out));
  EXPECT_FALSE(parser.parse(R"({"id":1})", out));
  EXPECT_FALSE(parser.parse("[1,2]", out));
  EXPECT_FALSE(parser.parse(R"({"type":1})", out));
  EXPECT_FALSE(parser.parse(R"({"type":""})", out));
  ASSERT_TRUE(parser.parse(R"([{"type":"pong","id":1},{"type":"pong","id":2}])", out));
  EXPECT_EQ(out.size(), 2u);
}

TEST(CloseAdvice, FollowsTheProtocolTable) {
  for (uint16_t code : {4000, 4001, 4002, 4003, 4009, 4100, 4499})
    EXPECT_FALSE(should_reconnect(code)) << code;
  for (uint16_t code : {1000, 1006, 1011, 4004, 4005, 4008, 4029, 4500, 4501, 4502, 4999})
    EXPECT_TRUE(should_reconnect(code)) << code;
}
