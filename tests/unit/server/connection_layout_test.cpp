// The memory budget of an idle WebSocket connection (issue 3, "Idle memory": wshub's
// server RSS per idle connection must not exceed uWebSockets', measured at 256 bytes on
// this project's bench machine). An open, silent connection is one Connection
// allocation and nothing else; glibc rounds a 200-byte object to a 208-byte chunk.
// If a change needs more, it must buy the bytes back elsewhere (docs/performance.md,
// "Memory per connection", says where each one goes) and re-measure with
// `build/wshub-bench idle` beside uWebSockets.
#include <gtest/gtest.h>

#include "net/OutputQueue.h"
#include "net/Socket.h"
#include "server/Connection.h"
#include "ws/MessageReader.h"

namespace wshub {
namespace {

// Budget: 200 bytes (malloc chunk 208). Where they go: 2 vtable pointers (IoHandler,
// hub::Peer) 16, user_data 8, the worker's list links 16, worker/transport/id 24,
// output queue 8, timer node 40, last activity 8, http/input/inflater/behavior 32, the
// plain TCP transport 16, the peer address 19, state and flags 5.
static_assert(sizeof(server::Connection) <= 200, "an idle connection's budget is 200 bytes: see the comment");
static_assert(sizeof(net::OutputQueue) == sizeof(void*), "an empty output queue is one pointer");
static_assert(sizeof(net::PeerAddress) == 19);

std::span<const std::byte> bytes(std::string_view s) { return std::as_bytes(std::span(s.data(), s.size())); }

struct SinkTransport final : net::Transport {
  std::string written;
  net::IoResult read(std::span<std::byte>) override { return {net::IoStatus::want_read, 0}; }
  net::IoResult writev(const iovec* parts, int count) override {
    size_t n = 0;
    for (int i = 0; i < count; ++i) {
      written.append(static_cast<const char*>(parts[i].iov_base), parts[i].iov_len);
      n += parts[i].iov_len;
    }
    return {net::IoStatus::ok, n};
  }
  void shutdown_write() override {}
  int fd() const override { return -1; }
};

TEST(ConnectionLayout, AnOutputQueueHoldsMemoryOnlyWhileBytesWait) {
  net::OutputQueue q;
  EXPECT_FALSE(q.holds_memory());
  q.append(bytes("HTTP/1.1 101 Switching Protocols\r\n\r\n"));
  EXPECT_TRUE(q.holds_memory());
  SinkTransport t;
  q.flush(t);
  EXPECT_TRUE(q.empty());
  q.shrink_if_empty(0);  // what an idle connection does after its write completed
  EXPECT_FALSE(q.holds_memory());
  EXPECT_EQ(q.capacity(), 0u);
  // A busy connection keeps its buffer warm below the threshold...
  q.append(bytes("x"));
  q.flush(t);
  q.shrink_if_empty(64 * 1024);
  EXPECT_TRUE(q.holds_memory());
  q.clear();
  EXPECT_FALSE(q.holds_memory());
}

struct NullHandler final : ws::MessageHandler {
  int messages = 0;
  void on_message(ws::Opcode, std::span<const std::byte>) override { ++messages; }
  void on_ping(std::span<const std::byte>) override {}
  void on_pong(std::span<const std::byte>) override {}
  void on_close(uint16_t, std::string_view) override {}
  void on_error(uint16_t, std::string_view) override {}
};

// A connection lends its reader back to the pool only when at_rest(): the reader must
// say so exactly between messages, and not inside a frame or a fragmented message.
TEST(ConnectionLayout, AReaderIsAtRestOnlyBetweenMessages) {
  NullHandler handler;
  ws::MessageReader reader(handler, ws::Role::server, {});
  EXPECT_TRUE(reader.at_rest());
  // Masked text "hi" (mask 0), split inside the payload.
  std::byte frame[] = {std::byte{0x81}, std::byte{0x82}, std::byte{0}, std::byte{0},
                       std::byte{0},    std::byte{0},    std::byte{'h'}, std::byte{'i'}};
  EXPECT_EQ(reader.feed(std::span(frame, 7)), 7u);
  EXPECT_FALSE(reader.at_rest());  // inside the frame's payload
  EXPECT_EQ(reader.feed(std::span(frame + 7, 1)), 1u);
  EXPECT_TRUE(reader.at_rest());
  EXPECT_EQ(handler.messages, 1);
  // First fragment of a two-fragment message: a message is in progress.
  std::byte first[] = {std::byte{0x01}, std::byte{0x81}, std::byte{0}, std::byte{0},
                       std::byte{0},    std::byte{0},    std::byte{'a'}};
  reader.feed(first);
  EXPECT_FALSE(reader.at_rest());
  std::byte last[] = {std::byte{0x80}, std::byte{0x81}, std::byte{0}, std::byte{0},
                      std::byte{0},    std::byte{0},    std::byte{'b'}};
  reader.feed(last);
  EXPECT_TRUE(reader.at_rest());
  EXPECT_EQ(handler.messages, 2);
}

TEST(ConnectionLayout, APeerAddressKeepsWhatTheLimitsAndLogsUse) {
  sockaddr_storage in{};
  auto* v4 = reinterpret_cast<sockaddr_in*>(&in);
  v4->sin_family = AF_INET;
  v4->sin_port = htons(4242);
  v4->sin_addr.s_addr = htonl(0x7f000005);
  EXPECT_EQ(net::format_address(net::PeerAddress(in).storage()), "127.0.0.5:4242");
  sockaddr_storage in6{};
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&in6);
  v6->sin6_family = AF_INET6;
  v6->sin6_port = htons(443);
  v6->sin6_addr = in6addr_loopback;
  EXPECT_EQ(net::format_address(net::PeerAddress(in6).storage()), "[::1]:443");
  EXPECT_EQ(net::format_address(net::PeerAddress().storage()), "unknown");
}

}  // namespace
}  // namespace wshub
