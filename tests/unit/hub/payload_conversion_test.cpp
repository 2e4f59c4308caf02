#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>
#include <msgpack.hpp>
#include <random>
#include <sstream>

#include "hub/ErrorCode.h"
#include "hub/MsgpackWriter.h"
#include "hub/PayloadConversion.h"

namespace wshub::hub {
namespace {

std::string hex(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::string to_msgpack(std::string_view json) {
  std::string out;
  auto r = convert_payload(Encoding::json, json, Encoding::msgpack, out);
  EXPECT_TRUE(r.ok()) << json << ": " << r.error().message;
  return out;
}

std::string to_json(std::string_view msgpack) {
  std::string out;
  auto r = convert_payload(Encoding::msgpack, msgpack, Encoding::json, out);
  EXPECT_TRUE(r.ok()) << testing::PrintToString(std::string(msgpack)) << ": " << r.error().message;
  return out;
}

// The error message, after checking that `out` was left alone.
std::string failure(Encoding from, std::string_view bytes) {
  std::string out = "keep";
  auto r = convert_payload(from, bytes, from == Encoding::json ? Encoding::msgpack : Encoding::json, out);
  EXPECT_FALSE(r.ok()) << testing::PrintToString(std::string(bytes));
  EXPECT_EQ(out, "keep");
  if (r.ok()) return "";
  EXPECT_EQ(r.error().code, code(ErrorCode::bad_request));
  return r.error().message;
}

msgpack::object_handle unpack(const std::string& bytes) {
  return msgpack::unpack(bytes.data(), bytes.size());
}

std::string nested(size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

TEST(JsonToMsgpack, Scalars) {
  EXPECT_EQ(to_msgpack("null"), hex({0xc0}));
  EXPECT_EQ(to_msgpack("true"), hex({0xc3}));
  EXPECT_EQ(to_msgpack("false"), hex({0xc2}));
  EXPECT_EQ(to_msgpack("0"), hex({0x00}));
  EXPECT_EQ(to_msgpack("-1"), hex({0xff}));
  EXPECT_EQ(to_msgpack("-0"), hex({0x00}));
  EXPECT_EQ(to_msgpack("200"), hex({0xcc, 200}));
  EXPECT_EQ(to_msgpack("18446744073709551615"), hex({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}));
  EXPECT_EQ(to_msgpack("-9223372036854775808"), hex({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(to_msgpack(R"("a\u00e9\n")"), hex({0xa4, 'a', 0xc3, 0xa9, '\n'}));
  EXPECT_EQ(to_msgpack(" \n[1] \t"), hex({0x91, 0x01}));
}

TEST(JsonToMsgpack, NonIntegersAreFloat64) {
  for (const char* json :
       {"1.0", "1e2", "1E+2", "-0.0", "0.1", "1.7976931348623157e308", "5e-324", "1e-400"}) {
    const std::string m = to_msgpack(json);
    ASSERT_EQ(m.size(), 9u) << json;
    EXPECT_EQ(static_cast<uint8_t>(m[0]), 0xcb) << json;
    EXPECT_EQ(unpack(m).get().via.f64, std::strtod(json, nullptr)) << json;
  }
  EXPECT_TRUE(std::signbit(unpack(to_msgpack("-0.0")).get().via.f64));
}

TEST(JsonToMsgpack, Containers) {
  const std::string m = to_msgpack(R"({"a":[1,"x",{"b":null}],"":{}})");
  msgpack::object_handle h = unpack(m);
  std::ostringstream text;
  text << h.get();
  EXPECT_EQ(text.str(), R"({"a":[1,"x",{"b":null}],"":{}})");
  // Header sizes past the fixed formats.
  std::string big = "[";
  for (int i = 0; i < 70000; ++i) big += i ? ",0" : "0";
  big += "]";
  const std::string bm = to_msgpack(big);
  EXPECT_EQ(bm.substr(0, 5), hex({0xdd, 0, 1, 0x11, 0x70}));
  EXPECT_EQ(bm.size(), 5u + 70000u);
}

TEST(JsonToMsgpack, Errors) {
  EXPECT_EQ(failure(Encoding::json, ""), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, "1 2"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, "[1,]"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, "tru"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, R"("\ud800")"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, "1e400"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, "18446744073709551616"), "payload: invalid JSON");
  EXPECT_EQ(failure(Encoding::json, nested(65)), "payload: nested deeper than 64 levels");
  EXPECT_EQ(to_msgpack(nested(64)).size(), 64u);
}

TEST(MsgpackToJson, Scalars) {
  EXPECT_EQ(to_json(hex({0xc0})), "null");
  EXPECT_EQ(to_json(hex({0xc3})), "true");
  EXPECT_EQ(to_json(hex({0xc2})), "false");
  EXPECT_EQ(to_json(hex({0x05})), "5");
  EXPECT_EQ(to_json(hex({0xe0})), "-32");
  EXPECT_EQ(to_json(hex({0xd2, 0, 0, 0, 7})), "7");
  EXPECT_EQ(to_json(hex({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})), "18446744073709551615");
  EXPECT_EQ(to_json(hex({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})), "-9223372036854775808");
  EXPECT_EQ(to_json(hex({0xa5, 'a', '"', '\\', 0x01, '\n'})), R"("a\"\\\u0001\n")");
  EXPECT_EQ(to_json(hex({0xa2, 0xc3, 0xa9})), "\"\xc3\xa9\"");
}

TEST(MsgpackToJson, FloatsLookLikeFloats) {
  const auto f64 = [](double v) {
    std::string out;
    MsgpackWriter(out).float64(v);
    return to_json(out);
  };
  EXPECT_EQ(f64(1.0), "1.0");
  EXPECT_EQ(f64(-0.0), "-0.0");
  EXPECT_EQ(f64(0.1), "0.1");
  EXPECT_EQ(f64(100.0), "100.0");
  EXPECT_EQ(f64(1e300), "1e+300");
  EXPECT_EQ(f64(1e21), "1e+21");
  EXPECT_EQ(f64(5e-324), "5e-324");
  EXPECT_EQ(f64(-2.5), "-2.5");
  EXPECT_EQ(to_json(hex({0xca, 0x3d, 0xcc, 0xcc, 0xcd})), "0.1");  // float32 0.1f, as float32
  EXPECT_EQ(to_json(hex({0xca, 0x3f, 0x80, 0, 0})), "1.0");
}

TEST(MsgpackToJson, BinAndExtAreBase64) {
  EXPECT_EQ(to_json(hex({0xc4, 0x03, 'f', 'o', 'o'})), R"("Zm9v")");
  EXPECT_EQ(to_json(hex({0xc4, 0x00})), R"("")");
  EXPECT_EQ(to_json(hex({0xd4, 0x01, 0xff})), R"("/w==")");
  EXPECT_EQ(to_json(hex({0xc7, 0x02, 0xff, 'f', 'o'})), R"("Zm8=")");
}

TEST(MsgpackToJson, Containers) {
  EXPECT_EQ(to_json(hex({0x90})), "[]");
  EXPECT_EQ(to_json(hex({0x80})), "{}");
  EXPECT_EQ(to_json(hex({0x93, 0x01, 0xc0, 0x91, 0xa1, 'x'})), R"([1,null,["x"]])");
  EXPECT_EQ(to_json(hex({0x82, 0xa1, 'a', 0x01, 0xa1, 'b', 0x80})), R"({"a":1,"b":{}})");
}

TEST(MsgpackToJson, NonStringKeysAreStringified) {
  EXPECT_EQ(to_json(hex({0x81, 0x01, 0x02})), R"({"1":2})");
  EXPECT_EQ(to_json(hex({0x81, 0xff, 0x02})), R"({"-1":2})");
  EXPECT_EQ(to_json(hex({0x81, 0xc0, 0x02})), R"({"null":2})");
  EXPECT_EQ(to_json(hex({0x81, 0xc3, 0x02})), R"({"true":2})");
  EXPECT_EQ(to_json(hex({0x81, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x02})), R"({"1.5":2})");
  EXPECT_EQ(to_json(hex({0x81, 0x92, 0x01, 0x02, 0x03})), R"({"[1,2]":3})");
  EXPECT_EQ(to_json(hex({0x81, 0x81, 0xa1, 'a', 0x01, 0x03})), R"({"{\"a\":1}":3})");
  EXPECT_EQ(to_json(hex({0x81, 0xc4, 0x02, 0x01, 0x02, 0x03})), R"({"AQI=":3})");
  EXPECT_EQ(to_json(hex({0x82, 0x01, 0x02, 0xa1, '1', 0x03})), R"({"1":2,"1":3})");  // JSON keeps both
}

TEST(MsgpackToJson, Errors) {
  EXPECT_EQ(failure(Encoding::msgpack, ""), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0xc1})), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x01, 0x02})), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x92, 0x01})), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x81, 0x01})), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0xdd, 0xff, 0xff, 0xff, 0xff})), "payload: invalid MessagePack");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0xa1, 0xff})), "payload: a string is not valid UTF-8");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x91, 0xa2, 0xc3, 0x28})),
            "payload: a string is not valid UTF-8");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x81, 0xa1, 0xff, 0x01})),
            "payload: a string is not valid UTF-8");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})),
            "payload: NaN and infinity have no JSON form");
  EXPECT_EQ(failure(Encoding::msgpack, hex({0x91, 0xca, 0xff, 0x80, 0, 0})),
            "payload: NaN and infinity have no JSON form");
  EXPECT_EQ(failure(Encoding::msgpack, std::string(65, static_cast<char>(0x91)) + hex({0x01})),
            "payload: nested deeper than 64 levels");
  EXPECT_EQ(to_json(std::string(64, static_cast<char>(0x91)) + hex({0x01})),
            std::string(64, '[') + "1" + std::string(64, ']'));
  // A map key counts as nested like a value.
  EXPECT_EQ(
      failure(Encoding::msgpack, std::string(63, static_cast<char>(0x91)) + hex({0x81, 0x91, 0x01, 0x01})),
      "payload: nested deeper than 64 levels");
}

TEST(PayloadConversion, SameEncodingIsACopy) {
  std::string out = "x";
  EXPECT_TRUE(convert_payload(Encoding::json, "[1, 2]", Encoding::json, out).ok());
  EXPECT_EQ(out, "x[1, 2]");
  out.clear();
  EXPECT_TRUE(convert_payload(Encoding::msgpack, hex({0x92, 1, 2}), Encoding::msgpack, out).ok());
  EXPECT_EQ(out, hex({0x92, 1, 2}));
}

TEST(PayloadConversion, AppendsAfterWhatIsThere) {
  std::string out = "ab";
  ASSERT_TRUE(convert_payload(Encoding::json, "1", Encoding::msgpack, out).ok());
  EXPECT_EQ(out, "ab\x01");
  out = "ab";
  ASSERT_TRUE(convert_payload(Encoding::msgpack, hex({0x01}), Encoding::json, out).ok());
  EXPECT_EQ(out, "ab1");
}

TEST(PayloadConversion, JsonRoundTripGivesCompactJson) {
  const std::pair<const char*, const char*> cases[] = {
      {R"({ "a" : [1, -2, 3.5, "x", true, false, null, {}], "b":"\u00e9\n\/" })",
       "{\"a\":[1,-2,3.5,\"x\",true,false,null,{}],\"b\":\"\xc3\xa9\\n/\"}"},
      {"1.0", "1.0"},
      {"1e2", "100.0"},
      {"-0.0", "-0.0"},
      {"-0", "0"},
      {"0.30000000000000004", "0.30000000000000004"},
      {R"("\ud83d\ude00")", "\"\xf0\x9f\x98\x80\""},
      {"[[],{},[{}]]", "[[],{},[{}]]"},
  };
  for (const auto& [json, expected] : cases) {
    EXPECT_EQ(to_json(to_msgpack(json)), expected) << json;
  }
}

TEST(PayloadConversion, MsgpackRoundTripIsExactForCanonicalInput) {
  std::string m;
  MsgpackWriter w(m);
  w.map(3);
  w.str("ints"), w.array(4), w.integer(-5), w.uint(300), w.uint(UINT64_MAX), w.integer(INT64_MIN);
  w.str("floats"), w.array(3), w.float64(1.0), w.float64(-0.0), w.float64(1e-310);
  w.str("more"), w.array(3), w.nil(), w.boolean(true), w.str("caf\xc3\xa9");
  EXPECT_EQ(to_msgpack(to_json(m)), m);
}

TEST(PayloadConversion, EveryFiniteDoubleRoundTripsBitForBit) {
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const double v = std::bit_cast<double>(rng());
    if (!std::isfinite(v)) continue;
    std::string m;
    MsgpackWriter(m).float64(v);
    ASSERT_EQ(to_msgpack(to_json(m)), m) << v;
  }
  for (double v :
       {std::numeric_limits<double>::max(), std::numeric_limits<double>::lowest(),
        std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(), 9007199254740993.0}) {
    std::string m;
    MsgpackWriter(m).float64(v);
    EXPECT_EQ(to_msgpack(to_json(m)), m) << v;
  }
}

}  // namespace
}  // namespace wshub::hub
