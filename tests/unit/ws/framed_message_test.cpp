#include <gtest/gtest.h>

#include <string>

#include "ws/Deflater.h"
#include "ws/FramedMessage.h"
#include "ws/Inflater.h"

namespace wshub::ws {
namespace {

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

TEST(FramedMessage, FramesOnceWithMinimalHeader) {
  FramedMessage m(Opcode::text, bytes("hello"));
  const auto& f = m.frame();
  ASSERT_EQ(f->size(), 7u);
  EXPECT_EQ(std::to_integer<int>(f->data()[0]), 0x81);  // FIN + text
  EXPECT_EQ(std::to_integer<int>(f->data()[1]), 5);     // unmasked, length 5
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(m.payload().data()), m.payload().size()), "hello");
}

TEST(FramedMessage, LengthEncodings) {
  for (size_t n : {0u, 125u, 126u, 65535u, 65536u}) {
    std::string payload(n, 'x');
    FramedMessage m(Opcode::binary, bytes(payload));
    size_t header = n < 126 ? 2 : n < 65536 ? 4 : 10;
    EXPECT_EQ(m.frame()->size(), header + n) << n;
    EXPECT_EQ(m.payload().size(), n);
  }
}

TEST(FramedMessage, CompressesOncePerWindowAndEveryContextInflatesIt) {
  std::string payload;
  for (int i = 0; i < 200; ++i) payload += "{\"type\":\"tick\",\"value\":" + std::to_string(i % 7) + "}";
  FramedMessage m(Opcode::text, bytes(payload));
  Deflater deflater(15, true);
  const auto& a = m.frame_for_deflate(15, deflater);
  const auto& b = m.frame_for_deflate(15, deflater);
  EXPECT_EQ(a.get(), b.get());  // cached: compressed once
  ASSERT_NE(a.get(), m.frame().get());
  EXPECT_EQ(std::to_integer<int>(a->data()[0]), 0xC1);  // FIN + RSV1 + text
  EXPECT_LT(a->size(), payload.size());

  // A client with context takeover that has already inflated other messages decodes it.
  Inflater with_context(15, false);
  std::string out;
  Deflater other(15, false);
  std::string earlier;
  other.deflate(bytes("an earlier message with some history"), earlier);
  ASSERT_EQ(
      with_context.inflate(std::as_bytes(std::span(earlier.data(), earlier.size())), true, out, 1 << 20),
      InflateResult::ok);
  out.clear();
  size_t header = (a->size() - 2 < 126) ? 2 : (a->size() - 4 < 65536 ? 4 : 10);
  ASSERT_EQ(with_context.inflate({a->data() + header, a->size() - header}, true, out, 1 << 20),
            InflateResult::ok);
  EXPECT_EQ(out, payload);
}

TEST(FramedMessage, SmallMessagesAreNotCompressed) {
  FramedMessage m(Opcode::text, bytes("tiny"));
  Deflater deflater(15, true);
  EXPECT_EQ(m.frame_for_deflate(15, deflater).get(), m.frame().get());
}

}  // namespace
}  // namespace wshub::ws
