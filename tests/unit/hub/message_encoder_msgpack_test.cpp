// The MessagePack encoder writes the same messages as the JSON one: each scenario is
// decoded with msgpack-c and compared with its JSON, key order and types included.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <msgpack.hpp>
#include <sstream>

#include "encoder_scenarios.h"
#include "hub/Base64.h"
#include "hub/MessageEncoder.h"

namespace wshub::hub {
namespace {

// One text for both sides: `u` unsigned, `i` negative, `f` float, strings quoted raw,
// bin as the base64 string JSON has in its place.
void describe(const msgpack::object& o, std::ostream& os) {
  switch (o.type) {
    case msgpack::type::NIL:
      os << "null";
      break;
    case msgpack::type::BOOLEAN:
      os << (o.via.boolean ? "true" : "false");
      break;
    case msgpack::type::POSITIVE_INTEGER:
      os << 'u' << o.via.u64;
      break;
    case msgpack::type::NEGATIVE_INTEGER:
      os << 'i' << o.via.i64;
      break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      os << 'f' << o.via.f64;
      break;
    case msgpack::type::STR:
      os << '"' << std::string_view(o.via.str.ptr, o.via.str.size) << '"';
      break;
    case msgpack::type::ARRAY:
      os << '[';
      for (uint32_t i = 0; i < o.via.array.size; ++i) describe(o.via.array.ptr[i], os << (i ? "," : ""));
      os << ']';
      break;
    case msgpack::type::MAP:
      os << '{';
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        describe(o.via.map.ptr[i].key, os << (i ? "," : ""));
        describe(o.via.map.ptr[i].val, os << ':');
      }
      os << '}';
      break;
    case msgpack::type::BIN: {
      // As PayloadConversion writes it for JSON (Base64 has its own RFC 4648 tests).
      std::string base64;
      append_base64(base64, std::string_view(o.via.bin.ptr, o.via.bin.size));
      os << '"' << base64 << '"';
      break;
    }
    default:
      os << "<ext>";
  }
}

void describe(simdjson::dom::element e, std::ostream& os) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::NULL_VALUE:
      os << "null";
      break;
    case element_type::BOOL:
      os << (e.get_bool().value() ? "true" : "false");
      break;
    case element_type::INT64:
      if (e.get_int64().value() < 0) {
        os << 'i' << e.get_int64().value();
      } else {
        os << 'u' << e.get_int64().value();
      }
      break;
    case element_type::UINT64:
      os << 'u' << e.get_uint64().value();
      break;
    case element_type::DOUBLE:
      os << 'f' << e.get_double().value();
      break;
    case element_type::STRING:
      os << '"' << e.get_string().value() << '"';
      break;
    case element_type::ARRAY: {
      os << '[';
      bool first = true;
      const simdjson::dom::array array = e.get_array().value();
      for (auto item : array) describe(item, os << (std::exchange(first, false) ? "" : ","));
      os << ']';
      break;
    }
    case element_type::OBJECT: {
      os << '{';
      bool first = true;
      const simdjson::dom::object object = e.get_object().value();
      for (auto field : object) {
        os << (std::exchange(first, false) ? "" : ",") << '"' << field.key << "\":";
        describe(field.value, os);
      }
      os << '}';
      break;
    }
  }
}

std::string describe_msgpack(const std::string& bytes) {
  size_t offset = 0;
  msgpack::object_handle h = msgpack::unpack(bytes.data(), bytes.size(), offset);
  EXPECT_EQ(offset, bytes.size()) << "one map, nothing after it";
  std::ostringstream os;
  describe(h.get(), os);
  return os.str();
}

std::string describe_json(const std::string& json) {
  simdjson::dom::parser parser;
  std::ostringstream os;
  describe(parser.parse(simdjson::padded_string(json)).value(), os);
  return os.str();
}

class EncodeMsgpack : public testing::TestWithParam<test::Scenario> {};

TEST_P(EncodeMsgpack, SameMessageAsJson) {
  const MessageEncoder encoder(Encoding::msgpack);
  EXPECT_EQ(encoder.encoding(), Encoding::msgpack);
  std::string out;
  GetParam().write(encoder, out);
  EXPECT_EQ(describe_msgpack(out), describe_json(GetParam().json));
}

TEST_P(EncodeMsgpack, AppendsOneMapPerCall) {
  const MessageEncoder encoder(Encoding::msgpack);
  std::string one, two = "\x01";
  GetParam().write(encoder, one);
  GetParam().write(encoder, two);
  GetParam().write(encoder, two);
  EXPECT_EQ(two, "\x01" + one + one);
}

INSTANTIATE_TEST_SUITE_P(Methods, EncodeMsgpack, testing::ValuesIn(test::encoder_scenarios()),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(EncodeMsgpack, ExactBytes) {
  std::string out;
  MessageEncoder(Encoding::msgpack).pong(out, 8);
  EXPECT_EQ(out, "\x82\xa4type\xa4pong\xa2id\x08");
}

TEST(EncodeMsgpack, MsgpackPayloadsAreCopiedAsTheyAre) {
  const std::string payload("\x92\xce\0\0\0\x01\xc4\x01\xff", 9);  // non-minimal uint32 1, and a bin
  std::string out;
  MessageEncoder(Encoding::msgpack)
      .publication(out, *test::make_publication("", 0, "", test::msgpack_payload(payload), std::nullopt));
  EXPECT_EQ(out, "\x82\xa4type\xa7message\xa7payload" + payload);
}

TEST(EncodeMsgpack, JsonPayloadsAreConverted) {
  std::string out;
  MessageEncoder(Encoding::msgpack)
      .publication(out,
                   *test::make_publication("", 0, "", test::json_payload("[1.0, -0.0, 7]"), std::nullopt));
  EXPECT_EQ(
      out,
      std::string("\x82\xa4type\xa7message\xa7payload\x93\xcb\x3f\xf0\0\0\0\0\0\0\xcb\x80\0\0\0\0\0\0\0\x07",
                  42));
}

TEST(EncodeMsgpack, InfoThatIsNotJsonBecomesNil) {
  std::string out;
  MessageEncoder(Encoding::msgpack).join(out, "c", ClientInfo{"c1", "u", "{broken"});
  EXPECT_EQ(describe_msgpack(out), R"({"type":"join","channel":"c","client":"c1","user":"u","info":null})");
}

}  // namespace
}  // namespace wshub::hub
