// "No allocation per message on the hot path", measured: global operator new is replaced
// in this test binary with a counting one.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "message_reader_test_support.h"
#include "ws/MessageReader.h"

namespace {
std::atomic<size_t> g_allocations{0};
}

void* operator new(size_t n) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}

namespace wshub::ws {
namespace {

using namespace test;

// Counts callbacks without storing anything.
class CountingHandler : public MessageHandler {
 public:
  size_t messages = 0, bytes = 0;
  void on_message(Opcode, std::span<const std::byte> p) override { ++messages, bytes += p.size(); }
  void on_ping(std::span<const std::byte>) override {}
  void on_pong(std::span<const std::byte>) override {}
  void on_close(uint16_t, std::string_view) override {}
  void on_error(uint16_t, std::string_view) override { ADD_FAILURE(); }
};

// Feeds `wire` `rounds` times (a fresh copy each time: feed unmasks in place) in pieces of
// `read` bytes, like a connection; returns the allocations made inside feed().
size_t allocations_while_feeding(MessageReader& reader, const std::string& wire, int rounds, size_t read) {
  std::string copy, buffer;
  copy.reserve(wire.size());
  buffer.reserve(wire.size() + kMaxFrameHeaderSize);
  size_t total = 0;
  for (int r = 0; r < rounds; ++r) {
    copy = wire;
    buffer.clear();
    for (size_t pos = 0; pos < copy.size();) {
      const size_t n = std::min(read, copy.size() - pos);
      buffer.append(copy, pos, n);
      pos += n;
      const size_t before = g_allocations.load();
      const size_t consumed = reader.feed({reinterpret_cast<std::byte*>(buffer.data()), buffer.size()});
      total += g_allocations.load() - before;
      buffer.erase(0, consumed);
    }
  }
  return total;
}

TEST(MessageReaderAllocations, NoneForWholeMessages) {
  CountingHandler handler;
  MessageReader reader(handler, Role::server, {});
  std::string wire;
  for (int i = 0; i < 100; ++i)
    wire += frame(i % 2 ? Opcode::text : Opcode::binary, std::string(i * 10, 'x'));
  EXPECT_EQ(allocations_while_feeding(reader, wire, 10, wire.size()), 0u);
  EXPECT_EQ(handler.messages, 1000u);
}

TEST(MessageReaderAllocations, NoneForSplitAndFragmentedMessagesOnceWarm) {
  CountingHandler handler;
  MessageReader reader(handler, Role::server, {});
  std::string wire;
  for (int i = 0; i < 50; ++i) {
    wire += frame(Opcode::text, std::string(1000, 'a'), false) + frame(Opcode::ping, "p") +
            frame(Opcode::continuation, std::string(3000, 'b'));
  }
  allocations_while_feeding(reader, wire, 1, 1500);  // warm-up: the buffer grows once
  EXPECT_EQ(allocations_while_feeding(reader, wire, 10, 1500), 0u);
  EXPECT_EQ(handler.messages, 550u);
}

}  // namespace
}  // namespace wshub::ws
