// MessageReader on valid streams: every split of the input gives the same events; the
// length encodings, large messages, many fragments, both roles, and the zero-copy path.
#include <gtest/gtest.h>

#include <random>

#include "message_reader_test_support.h"
#include "ws/CloseCode.h"
#include "ws/MessageReader.h"

namespace wshub::ws {
namespace {

using namespace test;
using V = std::vector<Event>;

std::string pattern(size_t n, unsigned seed = 1) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>('a' + rng() % 26);
  return s;
}

// A stream exercising most of the state machine in a few hundred bytes.
std::string mixed_stream(Role sender, V& expected) {
  std::string w;
  w += frame(Opcode::text, "", true, sender);
  expected.push_back(text(""));
  w += frame(Opcode::binary, std::string(1, '\0'), true, sender);
  expected.push_back(binary(std::string(1, '\0')));
  w += frame(Opcode::text, "frag\xce", false, sender);
  w += frame(Opcode::ping, "p1", true, sender);
  expected.push_back(ping("p1"));
  w += frame(Opcode::continuation, "", false, sender);
  w += frame(Opcode::continuation, "\xba-", false, sender);
  w += frame(Opcode::pong, "", true, sender);
  expected.push_back(pong(""));
  w += frame(Opcode::continuation, "end", true, sender);
  expected.push_back(text("frag\xce\xba-end"));
  w += frame(Opcode::binary, pattern(130), true, sender);  // 16-bit length
  expected.push_back(binary(pattern(130)));
  w += frame(Opcode::ping, std::string(125, 'x'), true, sender);
  expected.push_back(ping(std::string(125, 'x')));
  w += frame(Opcode::close, std::string("\x03\xe8", 2) + "done", true, sender);
  expected.push_back(closed(1000, "done"));
  return w;
}

TEST(MessageReaderSplit, MixedStreamServerRole) {
  V expected;
  const std::string wire = mixed_stream(Role::client, expected);
  ASSERT_EQ(feed_whole(wire).events, expected);
  expect_same_for_every_split(wire, expected);
}

TEST(MessageReaderSplit, MixedStreamClientRole) {
  V expected;
  const std::string wire = mixed_stream(Role::server, expected);
  ASSERT_EQ(feed_whole(wire, Role::client).events, expected);
  expect_same_for_every_split(wire, expected, Role::client);
}

TEST(MessageReaderSplit, ErrorsAreTheSameForEverySplit) {
  // A valid message, then a fragment whose UTF-8 goes bad in its middle.
  const std::string wire = frame(Opcode::binary, "ok") + frame(Opcode::text, "abc\xe0\x80zzz", false) +
                           frame(Opcode::continuation, "x");
  const V expected{binary("ok"), error(close_code::invalid_payload)};
  ASSERT_EQ(feed_whole(wire).events, expected);
  expect_same_for_every_split(wire, expected);
}

TEST(MessageReaderSplit, PayloadLengthEncodings) {
  for (size_t n : {0, 1, 125, 126, 127, 1000, 65535, 65536, 70000}) {
    SCOPED_TRACE(n);
    const std::string payload = pattern(n, static_cast<unsigned>(n));
    for (Role sender : {Role::client, Role::server}) {
      const Role reader = sender == Role::client ? Role::server : Role::client;
      const std::string wire = frame(Opcode::binary, payload, true, sender);
      const size_t expected_header = (n < 126 ? 2 : n < 65536 ? 4 : 10) + (sender == Role::client ? 4 : 0);
      ASSERT_EQ(wire.size(), expected_header + n);
      ASSERT_EQ(feed_whole(wire, reader).events, V{binary(payload)});
      const size_t one[] = {1};
      ASSERT_EQ(feed_in_pieces(wire, one, reader).events, V{binary(payload)});
      // Cuts around the header and at a few places in the payload.
      for (size_t cut : {size_t{1}, size_t{2}, size_t{3}, size_t{4}, size_t{9}, size_t{10}, size_t{13},
                         size_t{14}, size_t{15}, wire.size() / 2, wire.size() - 1}) {
        if (cut == 0 || cut >= wire.size()) continue;
        const size_t sizes[] = {cut, wire.size()};
        ASSERT_EQ(feed_in_pieces(wire, sizes, reader).events, V{binary(payload)}) << cut;
      }
    }
  }
}

TEST(MessageReaderSplit, NonMinimalLengthEncodingsAreAccepted) {
  // 5 bytes announced with a 16-bit and with a 64-bit length (see MessageReader.h).
  EXPECT_EQ(feed_whole(raw_frame(0x82, 126, std::string("\0\5", 2), "hello")).events, V{binary("hello")});
  EXPECT_EQ(feed_whole(raw_frame(0x82, 127, std::string("\0\0\0\0\0\0\0\5", 8), "hello")).events,
            V{binary("hello")});
}

TEST(MessageReaderSplit, SixteenMebibyteMessage) {
  const std::string payload = pattern(16u << 20);
  const std::string wire = frame(Opcode::text, payload);
  // As read from a socket in 64 KiB reads, and whole.
  const size_t reads[] = {65536};
  auto result = feed_in_pieces(wire, reads);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_TRUE(result.events[0] == text(payload));
  EXPECT_TRUE(feed_whole(wire).events == V{text(payload)});
  // One byte over the default limit is refused.
  const std::string big = frame(Opcode::binary, std::string((16u << 20) + 1, 'x')).substr(0, 20);
  EXPECT_EQ(feed_whole(big).events, V{error(close_code::message_too_big)});
}

TEST(MessageReaderSplit, SixteenMebibyteMessageInFragments) {
  const std::string payload = pattern(16u << 20, 5);
  std::string wire;
  const size_t fragment = 1u << 20;
  for (size_t pos = 0; pos < payload.size(); pos += fragment) {
    const bool first = pos == 0, last = pos + fragment >= payload.size();
    wire += frame(first ? Opcode::binary : Opcode::continuation,
                  std::string_view(payload).substr(pos, fragment), last);
  }
  const size_t reads[] = {100000};
  auto result = feed_in_pieces(wire, reads);
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_TRUE(result.events[0] == binary(payload));
}

TEST(MessageReaderSplit, SixtyFiveThousandFragmentsWithInterleavedPings) {
  std::string wire, payload;
  V expected;
  const size_t fragments = 65536 + 7;
  for (size_t i = 0; i < fragments; ++i) {
    const std::string piece(1 + i % 3, static_cast<char>('a' + i % 26));
    payload += piece;
    wire += frame(i == 0 ? Opcode::text : Opcode::continuation, piece, i + 1 == fragments);
    if (i % 1000 == 999) {
      wire += frame(Opcode::ping, std::to_string(i));
      expected.push_back(ping(std::to_string(i)));
    }
  }
  expected.push_back(text(payload));
  EXPECT_EQ(feed_whole(wire).events, expected);
  const size_t reads[] = {4096, 7, 13};
  EXPECT_EQ(feed_in_pieces(wire, reads).events, expected);
}

TEST(MessageReaderSplit, WholeMessageIsDeliveredInPlace) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string wire = frame(Opcode::text, "zero copy") + frame(Opcode::binary, pattern(70000));
  auto* begin = reinterpret_cast<std::byte*>(wire.data());
  ASSERT_EQ(reader.feed({begin, wire.size()}), wire.size());
  ASSERT_EQ(rec.events.size(), 2u);
  // The last payload pointed into the caller's buffer, just past its 14-byte header.
  EXPECT_EQ(rec.last_payload_data, begin + 15 + 14);
}

TEST(MessageReaderSplit, PartialFrameIsConsumedSoTheCallerBufferStaysBounded) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string wire = frame(Opcode::binary, pattern(100000));
  auto* data = reinterpret_cast<std::byte*>(wire.data());
  size_t pos = 0;
  while (pos < wire.size()) {
    const size_t n = std::min<size_t>(4096, wire.size() - pos);
    EXPECT_EQ(reader.feed({data + pos, n}), n);  // header + payload pieces: nothing left over
    pos += n;
  }
  EXPECT_EQ(rec.events, V{binary(pattern(100000))});
}

}  // namespace
}  // namespace wshub::ws
