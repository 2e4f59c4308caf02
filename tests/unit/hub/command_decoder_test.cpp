// Every command type, batching and decoder reuse, in both encodings: each case is written
// in JSON and run as JSON and as MessagePack (converted by the reference packer).
#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "hub/CommandDecoder.h"

namespace wshub::hub {
namespace {

using test::Event;
using test::Position;

class Decode : public testing::TestWithParam<Encoding> {
 protected:
  Encoding encoding() const { return GetParam(); }
  std::string frame(std::string_view json) const {
    return encoding() == Encoding::json ? std::string(json) : test::reference_msgpack(json);
  }
  std::vector<Event> run(std::string_view json, DecoderLimits limits = {}) const {
    return test::decode(encoding(), frame(json), limits);
  }
  // A payload as the decoder reports it: the JSON text as sent, or the packed bytes.
  std::string payload(std::string_view json) const { return frame(json); }
  Event one(std::string_view json) const {
    auto events = run(json);
    EXPECT_EQ(events.size(), 1u) << json;
    return events.empty() ? Event{} : events[0];
  }
};

INSTANTIATE_TEST_SUITE_P(Encodings, Decode, testing::Values(Encoding::json, Encoding::msgpack),
                         [](const auto& info) { return info.param == Encoding::json ? "json" : "msgpack"; });

TEST_P(Decode, Connect) {
  Event e = one(R"({"type":"connect","id":1,"token":"abc.def","data":{"x":[1,2]}})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::connect);
  EXPECT_EQ(e.type_name, "connect");
  EXPECT_EQ(e.id, 1u);
  EXPECT_EQ(e.token, "abc.def");
  EXPECT_EQ(e.payload, payload(R"({"x":[1,2]})"));
  EXPECT_EQ(e.payload_encoding, encoding());
}

TEST_P(Decode, ConnectWithNothing) {
  Event e = one(R"({"type":"connect"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::connect);
  EXPECT_EQ(e.id, std::nullopt);
  EXPECT_EQ(e.token, "");
  EXPECT_EQ(e.payload, "");
}

TEST_P(Decode, ConnectIgnoresPayloadField) {
  // `data` is connect's payload; `payload` is just an unknown field there.
  Event e = one(R"({"type":"connect","payload":{"x":1}})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.payload, "");
}

TEST_P(Decode, Subscribe) {
  Event e = one(R"({"type":"subscribe","id":2,"channel":"news:sport","recover":{"offset":10,"epoch":"ab"},)"
                R"("token":"sub-token"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::subscribe);
  EXPECT_EQ(e.id, 2u);
  EXPECT_EQ(e.channel, "news:sport");
  EXPECT_EQ(e.recover, (Position{10, "ab"}));
  EXPECT_EQ(e.token, "sub-token");
}

TEST_P(Decode, SubscribeWithChannelOnly) {
  Event e = one(R"({"type":"subscribe","channel":"lobby"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.channel, "lobby");
  EXPECT_EQ(e.recover, std::nullopt);
  EXPECT_EQ(e.token, "");
}

TEST_P(Decode, RecoverIgnoresUnknownFieldsAndTakesAnEmptyEpoch) {
  Event e = one(R"({"type":"subscribe","channel":"c","recover":{"x":[1],"epoch":"","offset":0}})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.recover, (Position{0, ""}));
}

TEST_P(Decode, Unsubscribe) {
  Event e = one(R"({"type":"unsubscribe","id":3,"channel":"c"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::unsubscribe);
  EXPECT_EQ(e.channel, "c");
}

TEST_P(Decode, Publish) {
  Event e = one(
      R"({"type":"publish","id":4,"channel":"chat:room","message_type":"typing","payload":{"text":"hi"}})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::publish);
  EXPECT_EQ(e.channel, "chat:room");
  EXPECT_EQ(e.message_type, "typing");
  EXPECT_EQ(e.payload, payload(R"({"text":"hi"})"));
}

TEST_P(Decode, PublishScalarPayloads) {
  for (std::string_view p : {"null", "true", "false", "0", "-12", "1.5", R"("")", R"("text")", "[]", "{}"}) {
    Event e = one(R"({"type":"publish","channel":"c","payload":)" + std::string(p) + "}");
    ASSERT_TRUE(e.ok) << p << ": " << e.message;
    EXPECT_EQ(e.payload, payload(p));
    EXPECT_TRUE(!e.payload.empty());
  }
}

TEST_P(Decode, PresenceAndStats) {
  Event e = one(R"({"type":"presence","id":5,"channel":"c"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::presence);
  EXPECT_EQ(e.channel, "c");
  e = one(R"({"type":"presence_stats","id":6,"channel":"d"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::presence_stats);
  EXPECT_EQ(e.channel, "d");
}

TEST_P(Decode, History) {
  Event e = one(
      R"({"type":"history","id":7,"channel":"c","since":{"offset":3,"epoch":"x"},"limit":10,"reverse":true})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::history);
  EXPECT_EQ(e.since, (Position{3, "x"}));
  EXPECT_EQ(e.limit, 10u);
  EXPECT_TRUE(e.reverse);
}

TEST_P(Decode, HistoryDefaults) {
  Event e = one(R"({"type":"history","channel":"c"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.since, std::nullopt);
  EXPECT_EQ(e.limit, std::nullopt);
  EXPECT_FALSE(e.reverse);
  e = one(R"({"type":"history","channel":"c","limit":0,"reverse":false})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.limit, 0u);
}

TEST_P(Decode, Ping) {
  Event e = one(R"({"type":"ping","id":8})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::ping);
  EXPECT_EQ(e.id, 8u);
}

TEST_P(Decode, Refresh) {
  Event e = one(R"({"type":"refresh","id":9,"token":"new"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::refresh);
  EXPECT_EQ(e.token, "new");
}

TEST_P(Decode, ApplicationType) {
  Event e = one(R"({"type":"chat.send","id":10,"payload":{"text":"yo"}})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::application);
  EXPECT_EQ(e.type_name, "chat.send");
  EXPECT_EQ(e.payload, payload(R"({"text":"yo"})"));
  e = one(R"({"type":"Ping"})");  // type names are case-sensitive
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::application);
  EXPECT_EQ(e.payload, "");
}

TEST_P(Decode, UnknownFieldsAreIgnoredWhateverTheirType) {
  // `channel` means nothing to ping: its wrong type is not an error there.
  Event e = one(R"({"type":"ping","id":11,"extra":{"deep":[1,2,{"x":null}]},"channel":5,"v":2.5})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::ping);
  EXPECT_EQ(e.channel, "");
}

TEST_P(Decode, FieldsInAnyOrder) {
  Event e = one(R"({"payload":[1],"channel":"c","id":12,"type":"publish"})");
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::publish);
  EXPECT_EQ(e.payload, payload("[1]"));
}

TEST_P(Decode, IdRange) {
  EXPECT_EQ(one(R"({"type":"ping","id":0})").id, 0u);
  EXPECT_EQ(one(R"({"type":"ping","id":18446744073709551615})").id, UINT64_MAX);
}

TEST_P(Decode, Batch) {
  auto events = run(R"([{"type":"ping","id":1},{"type":"subscribe","id":2,"channel":"c"}])");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].ok);
  EXPECT_EQ(events[0].type, CommandType::ping);
  EXPECT_TRUE(events[1].ok);
  EXPECT_EQ(events[1].channel, "c");
}

TEST_P(Decode, BatchWithGoodAndBadElements) {
  auto events =
      run(R"([{"type":"ping","id":1},5,{"id":3},{"type":"publish","id":4,"channel":"c","payload":1},[]])");
  ASSERT_EQ(events.size(), 5u);
  EXPECT_TRUE(events[0].ok);
  EXPECT_FALSE(events[1].ok);
  EXPECT_EQ(events[1].code, ErrorCode::bad_request);
  EXPECT_EQ(events[1].message, "command: must be an object");
  EXPECT_FALSE(events[2].ok);
  EXPECT_EQ(events[2].message, "type: required");
  EXPECT_EQ(events[2].id, 3u);
  EXPECT_TRUE(events[3].ok);
  EXPECT_EQ(events[3].payload, payload("1"));
  EXPECT_EQ(events[4].message, "command: must be an object");
}

TEST_P(Decode, EmptyBatchReportsNothing) {
  EXPECT_TRUE(run("[]").empty());
}

TEST_P(Decode, BatchOverTheLimitGetsOneError) {
  auto events = run(R"([{"type":"ping","id":1},{"type":"ping","id":2},{"type":"ping","id":3},{"bad":1}])",
                    DecoderLimits{.max_batch = 2});
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].id, 1u);
  EXPECT_EQ(events[1].id, 2u);
  EXPECT_FALSE(events[2].ok);
  EXPECT_EQ(events[2].code, ErrorCode::limit_exceeded);
  EXPECT_EQ(events[2].message, "batch: 2 commands over the limit of 2 were not processed");
  EXPECT_EQ(events[2].id, std::nullopt);
}

TEST_P(Decode, BatchAtTheLimitIsFine) {
  auto events = run(R"([{"type":"ping"},{"type":"ping"}])", DecoderLimits{.max_batch = 2});
  ASSERT_EQ(events.size(), 2u);
  EXPECT_TRUE(events[0].ok && events[1].ok);
}

TEST_P(Decode, PayloadSizeLimit) {
  const std::string text(50, 'x');
  const std::string p = "\"" + text + "\"";
  const size_t size = payload(p).size();
  Event e = test::decode(encoding(), frame(R"({"type":"publish","id":5,"channel":"c","payload":)" + p + "}"),
                         DecoderLimits{.max_payload_size = size})[0];
  EXPECT_TRUE(e.ok) << e.message;
  e = test::decode(encoding(), frame(R"({"type":"publish","id":5,"channel":"c","payload":)" + p + "}"),
                   DecoderLimits{.max_payload_size = size - 1})[0];
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.code, ErrorCode::limit_exceeded);
  EXPECT_EQ(e.message, "payload: larger than " + std::to_string(size - 1) + " bytes");
  EXPECT_EQ(e.id, 5u);
}

TEST_P(Decode, ConnectDataSizeLimit) {
  auto events = run(R"({"type":"connect","id":1,"data":"0123456789"})", DecoderLimits{.max_payload_size = 4});
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].code, ErrorCode::limit_exceeded);
  EXPECT_EQ(events[0].message, "data: larger than 4 bytes");
}

std::string nested(size_t depth, std::string_view inner = "1") {
  return std::string(depth, '[') + std::string(inner) + std::string(depth, ']');
}

TEST_P(Decode, PayloadDepth) {
  Event e = one(R"({"type":"publish","id":1,"channel":"c","payload":)" + nested(64) + "}");
  EXPECT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.payload, payload(nested(64)));
  e = one(R"({"type":"publish","id":1,"channel":"c","payload":)" + nested(65) + "}");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.code, ErrorCode::bad_request);
  EXPECT_EQ(e.message, "payload: nested deeper than 64 levels");
  EXPECT_EQ(e.id, 1u);
  // In a batch the same payload is one level further from the root: same answer.
  auto events = run(R"([{"type":"publish","id":1,"channel":"c","payload":)" + nested(65) + "}]");
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].message, "payload: nested deeper than 64 levels");
}

TEST_P(Decode, FrameDepth) {
  // The root object is level 1: an ignored field may nest 127 more.
  Event e = one(R"({"type":"ping","x":)" + nested(127) + "}");
  EXPECT_TRUE(e.ok) << e.message;
  e = one(R"({"type":"ping","x":)" + nested(128) + "}");
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.message, "frame: nested deeper than 128 levels");
  EXPECT_EQ(e.id, std::nullopt);
  e = one(R"([{"type":"ping","x":)" + nested(127) + "}]");
  EXPECT_EQ(e.message, "frame: nested deeper than 128 levels");
}

TEST_P(Decode, RootMustBeObjectOrArray) {
  for (std::string_view root : {"42", R"("ping")", "null", "true", "-1.5"}) {
    auto events = run(root);
    ASSERT_EQ(events.size(), 1u) << root;
    EXPECT_FALSE(events[0].ok);
    EXPECT_EQ(events[0].code, ErrorCode::bad_request);
    EXPECT_EQ(events[0].message, "frame: must be an object or an array of objects") << root;
  }
}

TEST_P(Decode, DecoderIsReusable) {
  CommandDecoder decoder;
  auto big = test::decode_with(
      decoder, encoding(),
      frame(R"({"type":"publish","channel":"first","payload":")" + std::string(5000, 'a') + R"("})"));
  ASSERT_TRUE(big[0].ok);
  for (int i = 0; i < 3; ++i) {
    auto events = test::decode_with(decoder, encoding(),
                                    frame(R"({"type":"subscribe","id":)" + std::to_string(i) +
                                          R"(,"channel":"c)" + std::to_string(i) + R"("})"));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].id, static_cast<uint64_t>(i));
    EXPECT_EQ(events[0].channel, "c" + std::to_string(i));
  }
  auto bad = test::decode_with(decoder, encoding(), frame(R"({"type":5})"));
  EXPECT_EQ(bad[0].message, "type: must be a non-empty string");
  auto good = test::decode_with(decoder, encoding(), frame(R"({"type":"ping","id":77})"));
  EXPECT_TRUE(good[0].ok);
  EXPECT_EQ(good[0].id, 77u);
}

// JSON only: escapes, whitespace, the exact text of payloads.

TEST(DecodeJson, EscapedKeysAndValuesAreUnescaped) {
  auto e = test::decode_json(R"({"t\u0079pe":"subscribe","channel":"a\u0062c","token":"x\"y\\z\n"})")[0];
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.type, CommandType::subscribe);
  EXPECT_EQ(e.channel, "abc");
  EXPECT_EQ(e.token, "x\"y\\z\n");
}

TEST(DecodeJson, PayloadIsTheTextAsSent) {
  auto e = test::decode_json(
      "{ \"type\" : \"publish\" , \"channel\":\"c\",\"payload\" :\n [1, {\"a\" : \"b\\u0041\"} ]\t, \"id\":1 "
      "}")[0];
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.payload, "[1, {\"a\" : \"b\\u0041\"} ]");
  e = test::decode_json(R"({"type":"publish","channel":"c","payload":"a\"b" })")[0];
  EXPECT_EQ(e.payload, R"("a\"b")");
  e = test::decode_json(R"({"type":"publish","channel":"c","payload":12.5e3})")[0];
  EXPECT_EQ(e.payload, "12.5e3");
  e = test::decode_json(R"([{"type":"publish","channel":"c","payload":{"a":{}}} ,{"type":"ping"}])")[0];
  EXPECT_EQ(e.payload, R"({"a":{}})");
}

TEST(DecodeJson, BigButRepresentableNumbers) {
  const std::string p = "[18446744073709551615,-9223372036854775808,1.7976931348623157e308,1e-400,-0]";
  auto e = test::decode_json(R"({"type":"publish","channel":"c","payload":)" + p + "}")[0];
  ASSERT_TRUE(e.ok) << e.message;
  EXPECT_EQ(e.payload, p);
}

TEST(DecodeJson, EscapedChannelIsValidatedUnescaped) {
  auto e = test::decode_json(R"({"type":"subscribe","channel":"a\u0020b"})")[0];
  EXPECT_FALSE(e.ok);
  EXPECT_EQ(e.message, "channel: not a valid channel name");
}

}  // namespace
}  // namespace wshub::hub
