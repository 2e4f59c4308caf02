// MessageReader: one test per framing rule, plus close handling, stop() and reset().
// Splits and sizes are in message_reader_split_test.cpp, compression in
// message_reader_compressed_test.cpp.
#include <gtest/gtest.h>

#include "message_reader_test_support.h"
#include "ws/CloseCode.h"
#include "ws/Inflater.h"
#include "ws/MessageReader.h"

namespace wshub::ws {
namespace {

using namespace test;
using V = std::vector<Event>;

std::vector<Event> run(std::string_view wire, Role role = Role::server, ReaderLimits limits = {},
                       Inflater* inflater = nullptr) {
  return feed_whole(wire, role, limits, inflater).events;
}

// Two-byte big-endian string.
std::string be16(uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}
std::string be64(uint64_t v) {
  std::string s;
  for (int i = 7; i >= 0; --i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

constexpr uint16_t k1002 = close_code::protocol_error;
constexpr uint16_t k1007 = close_code::invalid_payload;
constexpr uint16_t k1009 = close_code::message_too_big;

TEST(MessageReader, DeliversMaskedTextToServer) {
  EXPECT_EQ(run(frame(Opcode::text, "Hello")), V{text("Hello")});
}

TEST(MessageReader, DeliversUnmaskedBinaryToClient) {
  EXPECT_EQ(run(frame(Opcode::binary, "\x00\xff", true, Role::server), Role::client), V{binary("\x00\xff")});
}

TEST(MessageReader, Rsv2IsProtocolError) {
  EXPECT_EQ(run(raw_frame(0x80 | 0x20 | 1, 0, "", "")), V{error(k1002)});
}

TEST(MessageReader, Rsv3IsProtocolError) {
  EXPECT_EQ(run(raw_frame(0x80 | 0x10 | 1, 0, "", "")), V{error(k1002)});
}

TEST(MessageReader, Rsv1WithoutDeflateIsProtocolError) {
  EXPECT_EQ(run(raw_frame(0x80 | 0x40 | 1, 1, "", "a")), V{error(k1002)});
}

TEST(MessageReader, Rsv1OnContinuationIsProtocolError) {
  Inflater inflater(15, false);
  const std::string wire = frame(Opcode::binary, "ab", false) + raw_frame(0x80 | 0x40 | 0, 1, "", "c");
  EXPECT_EQ(run(wire, Role::server, {}, &inflater), V{error(k1002)});
}

TEST(MessageReader, Rsv1OnControlFrameIsProtocolError) {
  Inflater inflater(15, false);
  EXPECT_EQ(run(raw_frame(0x80 | 0x40 | 9, 0, "", ""), Role::server, {}, &inflater), V{error(k1002)});
}

TEST(MessageReader, ReservedOpcodesAreProtocolErrors) {
  for (uint8_t op : {3, 4, 5, 6, 7, 11, 12, 13, 14, 15}) {
    EXPECT_EQ(run(raw_frame(0x80 | op, 0, "", "")), V{error(k1002)}) << "opcode " << int(op);
  }
}

TEST(MessageReader, UnmaskedFrameToServerIsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::text, "hi", true, Role::server), Role::server), V{error(k1002)});
}

TEST(MessageReader, MaskedFrameToClientIsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::text, "hi", true, Role::client), Role::client), V{error(k1002)});
}

TEST(MessageReader, ControlFrameOver125IsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::ping, std::string(126, 'p'))), V{error(k1002)});
  EXPECT_EQ(run(frame(Opcode::close, be16(1000) + std::string(124, 'r'))), V{error(k1002)});
}

TEST(MessageReader, ControlFrame125IsAccepted) {
  EXPECT_EQ(run(frame(Opcode::ping, std::string(125, 'p'))), V{ping(std::string(125, 'p'))});
}

TEST(MessageReader, FragmentedControlFrameIsProtocolError) {
  for (Opcode op : {Opcode::ping, Opcode::pong, Opcode::close}) {
    EXPECT_EQ(run(frame(op, "", false)), V{error(k1002)}) << int(op);
  }
}

TEST(MessageReader, ContinuationWithoutMessageIsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::continuation, "x")), V{error(k1002)});
  // Also right after a complete message.
  EXPECT_EQ(run(frame(Opcode::text, "a") + frame(Opcode::continuation, "x")), (V{text("a"), error(k1002)}));
}

TEST(MessageReader, NewDataFrameInsideMessageIsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::text, "a", false) + frame(Opcode::text, "b")), V{error(k1002)});
  EXPECT_EQ(run(frame(Opcode::binary, "a", false) + frame(Opcode::binary, "b", false)), V{error(k1002)});
}

TEST(MessageReader, LengthWithTopBitIsProtocolError) {
  EXPECT_EQ(run(raw_frame(0x82, 127, be64(uint64_t{1} << 63), "")), V{error(k1002)});
}

TEST(MessageReader, FrameOverLimitIsTooBigBeforeItsPayload) {
  // Only the header is sent: the verdict must not wait for (or buffer) the payload.
  const std::string header = raw_frame(0x82, 126, be16(1001), "").substr(0, 8);
  EXPECT_EQ(run(header, Role::server, {.max_message_size = 4096, .max_frame_size = 1000}), V{error(k1009)});
  EXPECT_EQ(run(raw_frame(0x82, 127, be64(uint64_t{1} << 40), "")), V{error(k1009)});
}

TEST(MessageReader, FrameAtLimitIsAccepted) {
  const std::string payload(1000, 'x');
  EXPECT_EQ(
      run(frame(Opcode::binary, payload), Role::server, {.max_message_size = 1000, .max_frame_size = 1000}),
      V{binary(payload)});
}

TEST(MessageReader, MessageOverLimitAcrossFragmentsIsTooBig) {
  const ReaderLimits limits{.max_message_size = 10, .max_frame_size = 10};
  const std::string ok = frame(Opcode::text, "12345", false) + frame(Opcode::continuation, "67890");
  EXPECT_EQ(run(ok, Role::server, limits), V{text("1234567890")});
  // The 11th byte's frame is rejected from its header alone.
  const std::string big = frame(Opcode::text, "12345", false) + frame(Opcode::continuation, "67890", false) +
                          frame(Opcode::continuation, "1").substr(0, 6);
  EXPECT_EQ(run(big, Role::server, limits), V{error(k1009)});
}

TEST(MessageReader, InvalidUtf8IsInvalidPayload) {
  EXPECT_EQ(run(frame(Opcode::text, "caf\xc3")), V{error(k1007)});
  EXPECT_EQ(run(frame(Opcode::text, "\xed\xa0\x80")), V{error(k1007)});
  // Binary messages are not validated.
  EXPECT_EQ(run(frame(Opcode::binary, "\xed\xa0\x80")), V{binary("\xed\xa0\x80")});
}

TEST(MessageReader, InvalidUtf8FailsInsideAFragment) {
  // The first fragment is bad; the rest of the message never arrives.
  EXPECT_EQ(run(frame(Opcode::text, "ok\xc0\xaf", false)), V{error(k1007)});
}

TEST(MessageReader, InvalidUtf8FailsInsideAPartlyReceivedFrame) {
  // Header says 100 bytes; only the first 4 (invalid at the 3rd) have arrived.
  const std::string wire = frame(Opcode::text, "ab\xf5" + std::string(97, 'x')).substr(0, 6 + 4);
  EXPECT_EQ(run(wire), V{error(k1007)});
}

TEST(MessageReader, Utf8SequenceMaySpanFragments) {
  const std::string wire = frame(Opcode::text, "\xce", false) +
                           frame(Opcode::continuation, "\xba\xe1\xbd", false) +
                           frame(Opcode::continuation, "\xb9");
  EXPECT_EQ(run(wire), V{text("\xce\xba\xe1\xbd\xb9")});
}

TEST(MessageReader, InvalidUtf8AcrossFragmentsFailsAtTheBadFragment) {
  // ED A0 is a surrogate: the second fragment is rejected before the message ends.
  EXPECT_EQ(run(frame(Opcode::text, "\xed", false) + frame(Opcode::continuation, "\xa0\x80", false)),
            V{error(k1007)});
}

TEST(MessageReader, IncompleteUtf8AtFinIsInvalidPayload) {
  EXPECT_EQ(run(frame(Opcode::text, "\xe2\x82", false) + frame(Opcode::continuation, "")), V{error(k1007)});
}

TEST(MessageReader, CloseWithoutPayloadIsNoStatus) {
  EXPECT_EQ(run(frame(Opcode::close, "")), V{closed(close_code::no_status)});
}

TEST(MessageReader, CloseWithOneBytePayloadIsProtocolError) {
  EXPECT_EQ(run(frame(Opcode::close, "\x03")), V{error(k1002)});
}

TEST(MessageReader, CloseWithCodeAndReason) {
  EXPECT_EQ(run(frame(Opcode::close, be16(1000) + "bye \xce\xba")), V{closed(1000, "bye \xce\xba")});
}

TEST(MessageReader, ValidCloseCodesAreDelivered) {
  for (uint16_t code :
       {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999}) {
    EXPECT_EQ(run(frame(Opcode::close, be16(code))), V{closed(code)}) << code;
  }
}

TEST(MessageReader, InvalidCloseCodesAreProtocolErrors) {
  for (uint16_t code : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
    EXPECT_EQ(run(frame(Opcode::close, be16(code))), V{error(k1002)}) << code;
  }
}

TEST(MessageReader, CloseReasonNotUtf8IsInvalidPayload) {
  EXPECT_EQ(run(frame(Opcode::close, be16(1000) + "\xce")), V{error(k1007)});
}

TEST(MessageReader, NothingIsConsumedAfterClose) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string wire = frame(Opcode::close, "") + frame(Opcode::text, "late");
  const size_t close_size = 6;
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()), wire.size()}), close_size);
  EXPECT_TRUE(reader.stopped());
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()) + close_size, wire.size() - close_size}),
            0u);
  EXPECT_EQ(rec.events, V{closed(close_code::no_status)});
}

TEST(MessageReader, NothingIsConsumedAfterError) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string bad = frame(Opcode::continuation, "x");
  reader.feed({reinterpret_cast<std::byte*>(bad.data()), bad.size()});
  std::string good = frame(Opcode::text, "a");
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(good.data()), good.size()}), 0u);
  EXPECT_EQ(rec.events, V{error(k1002)});
}

TEST(MessageReader, StopFromCallbackReturnsRightAfterIt) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  rec.stop_reader = &reader;
  rec.stop_after = 2;
  const std::string first = frame(Opcode::text, "one");
  const std::string second = frame(Opcode::ping, "two");
  std::string wire = first + second + frame(Opcode::text, "three");
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()), wire.size()}),
            first.size() + second.size());
  EXPECT_TRUE(reader.stopped());
  EXPECT_EQ(rec.events, (V{text("one"), ping("two")}));
}

TEST(MessageReader, StopInsideAssembledMessageCallback) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  rec.stop_reader = &reader;
  rec.stop_after = 1;
  const std::string message = frame(Opcode::text, "a", false) + frame(Opcode::continuation, "b");
  std::string wire = message + frame(Opcode::text, "c");
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()), wire.size()}), message.size());
  EXPECT_EQ(rec.events, V{text("ab")});
}

TEST(MessageReader, ResetMakesItReusable) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string bad = frame(Opcode::text, "half", false) + frame(Opcode::binary, "x");
  reader.feed({reinterpret_cast<std::byte*>(bad.data()), bad.size()});
  ASSERT_TRUE(reader.stopped());
  reader.reset();
  EXPECT_FALSE(reader.stopped());
  std::string good = frame(Opcode::text, "fresh", false) + frame(Opcode::continuation, "!");
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(good.data()), good.size()}), good.size());
  EXPECT_EQ(rec.events, (V{error(k1002), text("fresh!")}));
}

TEST(MessageReader, ResetInsideAFrameStartsClean) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string partial = frame(Opcode::text, std::string(50, 'x')).substr(0, 20);
  reader.feed({reinterpret_cast<std::byte*>(partial.data()), partial.size()});
  reader.reset();
  std::string good = frame(Opcode::binary, "b");
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(good.data()), good.size()}), good.size());
  EXPECT_EQ(rec.events, V{binary("b")});
}

TEST(MessageReader, PartialHeaderIsLeftToTheCaller) {
  Recorder rec;
  MessageReader reader(rec, Role::server, {});
  std::string wire = raw_frame(0x82, 127, be64(70000), "");  // 14-byte header, no payload yet
  for (size_t n = 0; n < 14; ++n) {
    EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()), n}), 0u) << n;
  }
  EXPECT_EQ(reader.feed({reinterpret_cast<std::byte*>(wire.data()), 14}), 14u);
  EXPECT_TRUE(rec.events.empty());
}

TEST(MessageReader, InvalidFirstTwoBytesFailWithoutTheRestOfTheHeader) {
  // Reserved opcode with a 64-bit length: rejected from the first two bytes.
  EXPECT_EQ(run(std::string("\x83\xff", 2)), V{error(k1002)});
}

}  // namespace
}  // namespace wshub::ws
