// MessagePack-only cases: what JSON cannot express (bin, ext, non-string keys, floats
// that are not finite, invalid UTF-8, non-minimal encodings) and malicious frames.
#include <gtest/gtest.h>

#include <msgpack.hpp>

#include "decoder_test_support.h"
#include "hub/CommandDecoder.h"

namespace wshub::hub {
namespace {

using Packer = msgpack::packer<msgpack::sbuffer>;

// Builds a frame with msgpack-c's packer.
template <typename F>
std::string pack(F&& f) {
  msgpack::sbuffer buffer;
  Packer pk(buffer);
  f(pk);
  return std::string(buffer.data(), buffer.size());
}

std::string hex(std::initializer_list<int> bytes) {
  std::string s;
  for (int b : bytes) s.push_back(static_cast<char>(b));
  return s;
}

std::vector<test::Event> decode(std::string_view frame) {
  return test::decode(Encoding::msgpack, frame);
}

void expect_frame_error(std::string_view frame, std::string_view message) {
  const auto events = decode(frame);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_FALSE(events[0].ok);
  EXPECT_EQ(events[0].code, ErrorCode::bad_request);
  EXPECT_EQ(events[0].message, message);
}

TEST(DecodeMsgpack, PayloadIsTheExactBytesSent) {
  // A non-minimal uint32 1 and a bin: forwarded as they came, not re-packed.
  const std::string payload = hex({0x92, 0xce, 0, 0, 0, 1, 0xc4, 2, 0xff, 0x00});
  const std::string frame =
      hex({0x84, 0xa4, 't', 'y', 'p', 'e', 0xa7, 'p', 'u',  'b', 'l', 'i', 's', 'h', 0xa7, 'c',
           'h',  'a',  'n', 'n', 'e', 'l', 0xa1, 'c', 0xa7, 'p', 'a', 'y', 'l', 'o', 'a',  'd'}) +
      payload + hex({0xa2, 'i', 'd', 0xd0, 0x05});
  const auto events = decode(frame);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_TRUE(events[0].ok) << events[0].message;
  EXPECT_EQ(events[0].payload, payload);
  EXPECT_EQ(events[0].payload_encoding, Encoding::msgpack);
  EXPECT_EQ(events[0].id, 5u);  // a positive int8 is an integer like any other
}

TEST(DecodeMsgpack, BinExtAndNonStringKeysInPayloads) {
  const std::string frame = pack([](Packer& pk) {
    pk.pack_map(3);
    pk.pack("type"), pk.pack("publish");
    pk.pack("channel"), pk.pack("c");
    pk.pack("payload");
    pk.pack_map(3);
    pk.pack(1), pk.pack_bin(2), pk.pack_bin_body("\x01\x02", 2);
    pk.pack_nil(), pk.pack_ext(1, 7), pk.pack_ext_body("x", 1);
    pk.pack_array(1), pk.pack(1), pk.pack(true);
  });
  const auto events = decode(frame);
  ASSERT_TRUE(events[0].ok) << events[0].message;
}

TEST(DecodeMsgpack, NonStringKeysOfTheCommandAreIgnored) {
  const std::string frame = pack([](Packer& pk) {
    pk.pack_map(4);
    pk.pack(1), pk.pack("one");
    pk.pack_array(2), pk.pack(1), pk.pack(2), pk.pack_map(0);
    pk.pack("type"), pk.pack("ping");
    pk.pack_bin(2), pk.pack_bin_body("id", 2), pk.pack("not an id");
  });
  const auto events = decode(frame);
  ASSERT_TRUE(events[0].ok) << events[0].message;
  EXPECT_EQ(events[0].id, std::nullopt);
}

TEST(DecodeMsgpack, IdFormats) {
  for (const std::string& id : {hex({0x07}), hex({0xcc, 7}), hex({0xcd, 0, 7}), hex({0xd1, 0, 7}),
                                hex({0xcf, 0, 0, 0, 0, 0, 0, 0, 7}), hex({0xd3, 0, 0, 0, 0, 0, 0, 0, 7})}) {
    const std::string frame =
        hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa2, 'i', 'd'}) + id;
    const auto events = decode(frame);
    ASSERT_TRUE(events[0].ok) << events[0].message;
    EXPECT_EQ(events[0].id, 7u);
  }
  for (const std::string& id :
       {hex({0xff}), hex({0xd0, 0x80}), hex({0xca, 0x3f, 0x80, 0, 0}), hex({0xc0}), hex({0xc3})}) {
    const std::string frame =
        hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa2, 'i', 'd'}) + id;
    EXPECT_EQ(decode(frame)[0].message, "id: must be a non-negative integer");
  }
}

// A frame {"type":"publish","channel":"c","id":1,"payload":<p>}.
std::string publish_with(const std::string& payload) {
  return hex({0x84, 0xa4, 't',  'y',  'p',  'e', 0xa7, 'p', 'u', 'b', 'l',  'i',
              's',  'h',  0xa7, 'c',  'h',  'a', 'n',  'n', 'e', 'l', 0xa1, 'c',
              0xa2, 'i',  'd',  0x01, 0xa7, 'p', 'a',  'y', 'l', 'o', 'a',  'd'}) +
         payload;
}

TEST(DecodeMsgpack, StringsMustBeUtf8) {
  const std::string bad = hex({0xa2, 0xc3, 0x28});
  auto e = decode(hex({0x81, 0xa4, 't', 'y', 'p', 'e'}) + bad)[0];
  EXPECT_EQ(e.message, "type: must be valid UTF-8");
  e = decode(hex({0x82, 0xa4, 't', 'y', 'p',  'e', 0xa7, 'r', 'e', 'f',
                  'r',  'e',  's', 'h', 0xa5, 't', 'o',  'k', 'e', 'n'}) +
             bad)[0];
  EXPECT_EQ(e.message, "token: must be valid UTF-8");
  e = decode(publish_with(bad))[0];
  EXPECT_EQ(e.message, "payload: must be valid UTF-8");
  EXPECT_EQ(e.id, 1u);
  e = decode(publish_with(hex({0x91, 0x81}) + bad + hex({0x01})))[0];  // [{<bad key>: 1}]
  EXPECT_EQ(e.message, "payload: must be valid UTF-8");
  // Ignored fields are not inspected.
  e = decode(hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa1, 'x'}) + bad)[0];
  EXPECT_TRUE(e.ok) << e.message;
}

TEST(DecodeMsgpack, FloatsMustBeFinite) {
  for (const std::string& f :
       {hex({0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0}), hex({0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}),
        hex({0xca, 0xff, 0x80, 0, 0}), hex({0xca, 0x7f, 0xc0, 0, 0})}) {
    auto e = decode(publish_with(hex({0x92, 0x01}) + f))[0];
    EXPECT_EQ(e.message, "payload: NaN and infinity have no JSON form");
  }
  auto e = decode(publish_with(hex({0xcb, 0x80, 0, 0, 0, 0, 0, 0, 0})))[0];  // -0.0 is fine
  EXPECT_TRUE(e.ok) << e.message;
}

TEST(DecodeMsgpack, MalformedFrames) {
  const std::string ping = hex({0x81, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g'});
  expect_frame_error("", "frame: invalid MessagePack");
  expect_frame_error(hex({0xc1}), "frame: invalid MessagePack");
  expect_frame_error(ping + hex({0x00}), "frame: invalid MessagePack");               // trailing bytes
  expect_frame_error(ping.substr(0, ping.size() - 1), "frame: invalid MessagePack");  // truncated
  expect_frame_error(hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa1, 'x', 0xc1}),
                     "frame: invalid MessagePack");
  expect_frame_error(hex({0x81, 0xa4, 't', 'y', 'p', 'e', 0xdb, 0xff, 0xff, 0xff, 0xff, 'p'}),
                     "frame: invalid MessagePack");
  expect_frame_error(hex({0x92}) + ping + hex({0x91}), "frame: invalid MessagePack");
  expect_frame_error(publish_with(hex({0xc7, 0x05, 0x01, 'a'})), "frame: invalid MessagePack");
  expect_frame_error(hex({0x2a}), "frame: must be an object or an array of objects");
  expect_frame_error(hex({0xa4, 'p', 'i', 'n', 'g'}), "frame: must be an object or an array of objects");
}

TEST(DecodeMsgpack, BombsAreRefusedAtTheHeader) {
  // Headers declaring 4 billion items with a few bytes behind them, at the root, as a
  // batch element, in an ignored field and in a payload.
  const std::string array32 = hex({0xdd, 0xff, 0xff, 0xff, 0xff});
  const std::string map32 = hex({0xdf, 0xff, 0xff, 0xff, 0xff});
  expect_frame_error(array32 + hex({0x80}), "frame: invalid MessagePack");
  expect_frame_error(map32, "frame: invalid MessagePack");
  expect_frame_error(hex({0x91}) + array32, "frame: invalid MessagePack");
  expect_frame_error(hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa1, 'x'}) + map32,
                     "frame: invalid MessagePack");
  std::string nested;
  for (int i = 0; i < 1000; ++i) nested += hex({0xdc, 0xff, 0xff});
  expect_frame_error(publish_with(nested), "frame: invalid MessagePack");
}

TEST(DecodeMsgpack, DeepFramesAreRefused) {
  std::string deep = hex({0x82, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g', 0xa1, 'x'});
  deep += std::string(100000, static_cast<char>(0x91)) + hex({0x01});
  expect_frame_error(deep, "frame: nested deeper than 128 levels");
}

TEST(DecodeMsgpack, BatchOfMaps) {
  const std::string ping = hex({0x81, 0xa4, 't', 'y', 'p', 'e', 0xa4, 'p', 'i', 'n', 'g'});
  const auto events = decode(hex({0x93}) + ping + hex({0xa1, 'x'}) + ping);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_TRUE(events[0].ok);
  EXPECT_EQ(events[1].message, "command: must be an object");
  EXPECT_TRUE(events[2].ok);
}

}  // namespace
}  // namespace wshub::hub
