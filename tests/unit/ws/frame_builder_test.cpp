#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ws/FrameBuilder.h"
#include "ws/Utf8Validator.h"

namespace wshub::ws {
namespace {

std::vector<uint8_t> header(Opcode op, uint64_t len, bool fin = true, bool rsv1 = false,
                            const std::array<std::byte, 4>* mask = nullptr) {
  std::byte out[kMaxFrameHeaderSize];
  const size_t n = write_frame_header(out, op, len, fin, rsv1, mask);
  std::vector<uint8_t> v;
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<uint8_t>(out[i]));
  return v;
}

TEST(FrameBuilder, SevenBitLength) {
  EXPECT_EQ(header(Opcode::text, 0), (std::vector<uint8_t>{0x81, 0x00}));
  EXPECT_EQ(header(Opcode::binary, 125), (std::vector<uint8_t>{0x82, 125}));
}

TEST(FrameBuilder, SixteenBitLength) {
  EXPECT_EQ(header(Opcode::text, 126), (std::vector<uint8_t>{0x81, 126, 0x00, 126}));
  EXPECT_EQ(header(Opcode::text, 65535), (std::vector<uint8_t>{0x81, 126, 0xff, 0xff}));
}

TEST(FrameBuilder, SixtyFourBitLength) {
  EXPECT_EQ(header(Opcode::binary, 65536), (std::vector<uint8_t>{0x82, 127, 0, 0, 0, 0, 0, 1, 0, 0}));
  EXPECT_EQ(header(Opcode::binary, 0x0102030405060708ull),
            (std::vector<uint8_t>{0x82, 127, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(FrameBuilder, FlagsAndMask) {
  const std::array<std::byte, 4> key{std::byte{0xa}, std::byte{0xb}, std::byte{0xc}, std::byte{0xd}};
  EXPECT_EQ(header(Opcode::continuation, 5, false, false), (std::vector<uint8_t>{0x00, 5}));
  EXPECT_EQ(header(Opcode::text, 5, true, true), (std::vector<uint8_t>{0xc1, 5}));
  EXPECT_EQ(header(Opcode::ping, 300, true, false, &key),
            (std::vector<uint8_t>{0x89, 0x80 | 126, 0x01, 0x2c, 0xa, 0xb, 0xc, 0xd}));
  EXPECT_EQ(header(Opcode::binary, 70000, true, false, &key).size(), kMaxFrameHeaderSize);
}

TEST(FrameBuilder, AppendFrameMasksACopy) {
  const std::array<std::byte, 4> key{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  const std::string payload = "abcde";
  std::string out = "prefix";
  append_frame(out, Opcode::text, std::as_bytes(std::span(payload)), true, false, &key);
  EXPECT_EQ(payload, "abcde");
  ASSERT_EQ(out.size(), 6u + 6u + 5u);
  EXPECT_EQ(out.substr(6, 6), std::string("\x81\x85\x01\x02\x03\x04", 6));
  for (size_t i = 0; i < 5; ++i) EXPECT_EQ(out[12 + i], static_cast<char>(payload[i] ^ (i % 4 + 1)));
}

TEST(FrameBuilder, AppendFrameUnmasked) {
  std::string out;
  const std::string payload(200, 'z');
  append_frame(out, Opcode::binary, std::as_bytes(std::span(payload)));
  EXPECT_EQ(out.substr(0, 4), std::string("\x82\x7e\x00\xc8", 4));
  EXPECT_EQ(out.substr(4), payload);
}

TEST(FrameBuilder, ClosePayload) {
  EXPECT_EQ(close_payload(1000, ""), std::string("\x03\xe8", 2));
  EXPECT_EQ(close_payload(4001, "bye"), std::string("\x0f\xa1", 2) + "bye");
}

TEST(FrameBuilder, ClosePayloadTruncatesAtUtf8Boundary) {
  EXPECT_EQ(close_payload(1000, std::string(200, 'a')).size(), 125u);
  // 122 ASCII bytes then a 2-byte sequence straddling the 123-byte reason limit.
  const std::string reason = std::string(122, 'a') + "\xce\xba" + "tail";
  const std::string out = close_payload(1000, reason);
  EXPECT_EQ(out.size(), 2u + 122u);
  EXPECT_TRUE(is_valid_utf8(std::as_bytes(std::span(out)).subspan(2)));
  // A 4-byte sequence that would end exactly at the limit is kept.
  const std::string fits = std::string(119, 'a') + "\xf0\x9f\x98\x80" + "more";
  EXPECT_EQ(close_payload(1000, fits).size(), 125u);
}

}  // namespace
}  // namespace wshub::ws
