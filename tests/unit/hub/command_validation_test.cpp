// Every validation error of CommandDecoder, in both encodings: the error code, the
// message naming the field, and the id when it was readable.
#include <gtest/gtest.h>

#include "decoder_test_support.h"
#include "hub/CommandDecoder.h"

namespace wshub::hub {
namespace {

struct Case {
  const char* json;
  const char* message;
  std::optional<uint64_t> id = 1;
  ErrorCode code = ErrorCode::bad_request;
};

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.json;
}

class Invalid : public testing::TestWithParam<std::tuple<Encoding, Case>> {};

TEST_P(Invalid, ReportsTheFieldAndKeepsTheId) {
  const auto& [encoding, c] = GetParam();
  const std::string frame =
      encoding == Encoding::json ? std::string(c.json) : test::reference_msgpack(c.json);
  const auto events = test::decode(encoding, frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ok);
  EXPECT_EQ(events[0].message, c.message);
  EXPECT_EQ(events[0].code, c.code);
  EXPECT_EQ(events[0].id, c.id);
}

const std::string kLongChannel(256, 'c');
const std::string kLongest = R"({"type":"subscribe","id":1,"channel":")" + std::string(255, 'c') + R"("})";

const Case kCases[] = {
    // envelope
    {R"({"id":1})", "type: required"},
    {R"({"type":5,"id":1})", "type: must be a non-empty string"},
    {R"({"type":"","id":1})", "type: must be a non-empty string"},
    {R"({"type":null,"id":1})", "type: must be a non-empty string"},
    {R"({"type":["ping"],"id":1})", "type: must be a non-empty string"},
    {R"({"type":"ping","type":"ping","id":1})", "type: sent more than once"},
    {R"({"type":"ping","id":-1})", "id: must be a non-negative integer", std::nullopt},
    {R"({"type":"ping","id":1.5})", "id: must be a non-negative integer", std::nullopt},
    {R"({"type":"ping","id":"1"})", "id: must be a non-negative integer", std::nullopt},
    {R"({"type":"ping","id":null})", "id: must be a non-negative integer", std::nullopt},
    {R"({"type":"ping","id":{"n":1}})", "id: must be a non-negative integer", std::nullopt},
    {R"({"type":"ping","id":1,"id":2})", "id: sent more than once", std::nullopt},
    // channel, for every type that has one
    {R"({"type":"subscribe","id":1})", "channel: required"},
    {R"({"type":"unsubscribe","id":1})", "channel: required"},
    {R"({"type":"publish","id":1,"payload":1})", "channel: required"},
    {R"({"type":"presence","id":1})", "channel: required"},
    {R"({"type":"presence_stats","id":1})", "channel: required"},
    {R"({"type":"history","id":1})", "channel: required"},
    {R"({"type":"subscribe","id":1,"channel":5})", "channel: must be a string"},
    {R"({"type":"unsubscribe","id":1,"channel":null})", "channel: must be a string"},
    {R"({"type":"subscribe","id":1,"channel":""})", "channel: not a valid channel name"},
    {R"({"type":"subscribe","id":1,"channel":"a b"})", "channel: not a valid channel name"},
    {R"({"type":"subscribe","id":1,"channel":"a*"})", "channel: not a valid channel name"},
    {R"({"type":"subscribe","id":1,"channel":"ns:"})", "channel: not a valid channel name"},
    {R"({"type":"subscribe","id":1,"channel":"a","channel":"b"})", "channel: sent more than once"},
    // recover and since
    {R"({"type":"subscribe","id":1,"channel":"c","recover":5})", "recover: must be an object"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":[]})", "recover: must be an object"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{}})", "recover.offset: required"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{"offset":-1,"epoch":"e"}})",
     "recover.offset: must be a non-negative integer"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{"offset":"1","epoch":"e"}})",
     "recover.offset: must be a non-negative integer"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{"offset":1}})", "recover.epoch: required"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{"offset":1,"epoch":2}})",
     "recover.epoch: must be a string"},
    {R"({"type":"subscribe","id":1,"channel":"c","recover":{"offset":1,"offset":2,"epoch":""}})",
     "recover.offset: sent more than once"},
    {R"({"type":"subscribe","id":1,"channel":"c","token":5})", "token: must be a string"},
    {R"({"type":"history","id":1,"channel":"c","since":"0"})", "since: must be an object"},
    {R"({"type":"history","id":1,"channel":"c","since":{"epoch":"e"}})", "since.offset: required"},
    {R"({"type":"history","id":1,"channel":"c","since":{"offset":1.5,"epoch":"e"}})",
     "since.offset: must be a non-negative integer"},
    {R"({"type":"history","id":1,"channel":"c","since":{"offset":1,"epoch":null}})",
     "since.epoch: must be a string"},
    {R"({"type":"history","id":1,"channel":"c","limit":-1})", "limit: must be a non-negative integer"},
    {R"({"type":"history","id":1,"channel":"c","limit":"5"})", "limit: must be a non-negative integer"},
    {R"({"type":"history","id":1,"channel":"c","reverse":"yes"})", "reverse: must be a boolean"},
    {R"({"type":"history","id":1,"channel":"c","reverse":1})", "reverse: must be a boolean"},
    // publish
    {R"({"type":"publish","id":1,"channel":"c"})", "payload: required"},
    {R"({"type":"publish","id":1,"channel":"c","payload":1,"payload":2})", "payload: sent more than once"},
    {R"({"type":"publish","id":1,"channel":"c","payload":1,"message_type":""})",
     "message_type: must be a non-empty string"},
    {R"({"type":"publish","id":1,"channel":"c","payload":1,"message_type":5})",
     "message_type: must be a non-empty string"},
    {R"({"type":"publish","id":1,"channel":"c","payload":1,"message_type":"error"})",
     "message_type: reserved for server messages"},
    {R"({"type":"publish","id":1,"channel":"c","payload":1,"message_type":"join"})",
     "message_type: reserved for server messages"},
    // connect, refresh, application
    {R"({"type":"connect","id":1,"token":5})", "token: must be a string"},
    {R"({"type":"connect","id":1,"data":1,"data":2})", "data: sent more than once"},
    {R"({"type":"refresh","id":1})", "token: required"},
    {R"({"type":"refresh","id":1,"token":""})", "token: must be a non-empty string"},
    {R"({"type":"refresh","id":1,"token":["t"]})", "token: must be a non-empty string"},
    {R"({"type":"app.x","id":1,"payload":1,"payload":1})", "payload: sent more than once"},
};

INSTANTIATE_TEST_SUITE_P(Fields, Invalid,
                         testing::Combine(testing::Values(Encoding::json, Encoding::msgpack),
                                          testing::ValuesIn(kCases)));

TEST(Invalid, ChannelLengthIsALimit) {
  for (Encoding encoding : {Encoding::json, Encoding::msgpack}) {
    const std::string json = R"({"type":"subscribe","id":1,"channel":")" + kLongChannel + R"("})";
    const auto events =
        test::decode(encoding, encoding == Encoding::json ? json : test::reference_msgpack(json));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].code, ErrorCode::limit_exceeded);
    EXPECT_EQ(events[0].message, "channel: longer than 255 bytes");
    EXPECT_EQ(events[0].id, 1u);
    const auto ok =
        test::decode(encoding, encoding == Encoding::json ? kLongest : test::reference_msgpack(kLongest));
    EXPECT_TRUE(ok[0].ok) << ok[0].message;
  }
}

TEST(Invalid, FirstProblemWinsInAFixedOrder) {
  // id, then type, then the type's fields in the order of docs/protocol.md.
  auto e = test::decode_json(R"({"channel":5,"type":"subscribe","id":"x"})")[0];
  EXPECT_EQ(e.message, "id: must be a non-negative integer");
  e = test::decode_json(R"({"recover":5,"channel":5,"type":"subscribe","id":2})")[0];
  EXPECT_EQ(e.message, "channel: must be a string");
  EXPECT_EQ(e.id, 2u);
}

}  // namespace
}  // namespace wshub::hub
