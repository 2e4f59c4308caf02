#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "net/OutputQueue.h"

namespace wshub::net {
namespace {

// A transport that accepts at most `chunk` bytes per writev and can be told to block
// or fail, so every partial-write path of the queue is exercised (Beast's habit).
class ScriptedTransport final : public Transport {
 public:
  size_t chunk = SIZE_MAX;
  int block_after_calls = -1;  // calls that succeed before want_write, -1 = never
  int fail_on_call = -1;       // this call returns error
  int calls = 0;
  std::string written;

  IoResult read(std::span<std::byte>) override { return {IoStatus::want_read, 0}; }
  IoResult writev(const iovec* parts, int count) override {
    int call = calls++;
    if (call == fail_on_call) return {IoStatus::error, 0};
    if (block_after_calls >= 0 && call >= block_after_calls) return {IoStatus::want_write, 0};
    size_t budget = chunk, total = 0;
    for (int i = 0; i < count && budget > 0; ++i) {
      size_t n = std::min(budget, parts[i].iov_len);
      written.append(static_cast<const char*>(parts[i].iov_base), n);
      budget -= n;
      total += n;
    }
    return {IoStatus::ok, total};
  }
  void shutdown_write() override {}
  int fd() const override { return -1; }
};

std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

SharedBufferRef shared(std::string_view s) {
  auto b = SharedBufferRef::adopt(SharedBuffer::create(s.size()));
  std::memcpy(b->data(), s.data(), s.size());
  return b;
}

TEST(OutputQueue, KeepsSendOrderAcrossOwnedAndSharedBytes) {
  OutputQueue q;
  auto s = shared("SHARED");
  q.append(bytes("a"));
  q.append_shared(s);
  q.append(bytes("bc"));
  q.append_shared(s, 1, 3);
  EXPECT_EQ(q.size(), 1u + 6 + 2 + 3);
  ScriptedTransport t;
  EXPECT_EQ(q.flush(t).status, IoStatus::ok);
  EXPECT_EQ(t.written, "aSHAREDbcHAR");
  EXPECT_TRUE(q.empty());
}

TEST(OutputQueue, SharedBufferIsReferencedNotCopied) {
  OutputQueue a, b;
  auto s = shared("payload");
  a.append_shared(s);
  b.append_shared(s);
  EXPECT_EQ(s->references(), 3u);
  ScriptedTransport t;
  a.flush(t);
  EXPECT_EQ(s->references(), 2u);
  b.clear();
  EXPECT_EQ(s->references(), 1u);
}

TEST(OutputQueue, EveryPartialWriteSizeProducesTheSameStream) {
  std::string expected;
  for (size_t chunk = 1; chunk <= 40; ++chunk) {
    OutputQueue q;
    auto s = shared("0123456789");
    expected.clear();
    for (int i = 0; i < 5; ++i) {
      std::string owned(i + 1, char('a' + i));
      q.append(bytes(owned));
      q.append_shared(s);
      expected += owned + "0123456789";
    }
    ScriptedTransport t;
    t.chunk = chunk;
    while (!q.empty()) ASSERT_EQ(q.flush(t).status, IoStatus::ok);
    EXPECT_EQ(t.written, expected) << "chunk " << chunk;
    EXPECT_EQ(s->references(), 1u);
  }
}

TEST(OutputQueue, WouldBlockKeepsTheRestForLater) {
  OutputQueue q;
  q.append(bytes("hello "));
  q.append_shared(shared("world"));
  ScriptedTransport t;
  t.chunk = 4;
  t.block_after_calls = 1;
  EXPECT_EQ(q.flush(t).status, IoStatus::want_write);
  EXPECT_EQ(q.size(), 7u);
  t.block_after_calls = -1;
  t.chunk = SIZE_MAX;
  EXPECT_EQ(q.flush(t).status, IoStatus::ok);
  EXPECT_EQ(t.written, "hello world");
}

TEST(OutputQueue, ErrorOnTheNthCallLeavesAConsistentQueue) {
  for (int n = 0; n < 6; ++n) {
    OutputQueue q;
    for (int i = 0; i < 6; ++i) {
      q.append(bytes("xy"));
      q.append_shared(shared("SS"));
    }
    ScriptedTransport t;
    t.chunk = 3;
    t.fail_on_call = n;
    IoResult r{IoStatus::ok, 0};
    while (!q.empty() && (r = q.flush(t)).status == IoStatus::ok) {
    }
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_EQ(q.size(), 24u - t.written.size());
    q.clear();
    EXPECT_TRUE(q.empty());
  }
}

TEST(OutputQueue, DiscardUnstartedKeepsThePartlyWrittenSegmentWhole) {
  OutputQueue q;
  q.append_shared(shared("FRAME-ONE"));
  q.append_shared(shared("FRAME-TWO"));
  q.append(bytes("three"));
  ScriptedTransport t;
  t.chunk = 4;
  t.block_after_calls = 1;
  q.flush(t);  // "FRAM" written
  EXPECT_EQ(q.discard_unstarted(), 9u + 5u);
  EXPECT_EQ(q.size(), 5u);
  t.block_after_calls = -1;
  t.chunk = SIZE_MAX;
  q.flush(t);
  EXPECT_EQ(t.written, "FRAME-ONE");
  q.append(bytes("close"));
  q.flush(t);
  EXPECT_EQ(t.written, "FRAME-ONEclose");
}

TEST(OutputQueue, TrimTailReturnsReservedSlack) {
  OutputQueue q;
  std::byte* p = q.append_uninitialized(14);
  std::memcpy(p, "ab", 2);
  q.trim_tail(12);
  EXPECT_EQ(q.size(), 2u);
  q.append(bytes("cd"));
  ScriptedTransport t;
  q.flush(t);
  EXPECT_EQ(t.written, "abcd");
}

TEST(OutputQueue, SteadySlowReaderDoesNotGrowTheBuffer) {
  // The queue never runs empty, yet written bytes must be reclaimed.
  OutputQueue q;
  ScriptedTransport t;
  t.chunk = 100;
  std::string msg(100, 'm');
  q.append(bytes(msg));
  q.append(bytes(msg));
  t.block_after_calls = 1;
  for (int i = 0; i < 10000; ++i) {
    t.calls = 0;
    q.flush(t);  // one write of 100 bytes, then the peer stops reading
    q.append(bytes(msg));
  }
  EXPECT_EQ(q.size(), 200u);
  EXPECT_LE(q.capacity(), 4096u);
}

TEST(OutputQueue, ShrinkReleasesIdleMemory) {
  OutputQueue q;
  std::string big(100000, 'b');
  q.append(bytes(big));
  ScriptedTransport t;
  q.flush(t);
  EXPECT_GE(q.capacity(), 100000u);
  q.shrink_if_empty(64 * 1024);
  EXPECT_EQ(q.capacity(), 0u);
}

}  // namespace
}  // namespace wshub::net
