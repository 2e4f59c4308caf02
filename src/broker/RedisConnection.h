#pragma once
// One non-blocking connection to a Redis server, driven by the broker's own event loop
// (net/EventLoop): a socket, hiredis' RESP reader and command formatter, and a FIFO of
// reply handlers. Loop thread only.
//
// Why not hiredis' async API: the version in Debian 12 (0.14) has no command timeouts, and
// its pub/sub bookkeeping drops a channel's callback when an UNSUBSCRIBE and a new
// SUBSCRIBE for it cross on the wire. Owning the socket gives us both (RedisBroker tracks
// subscriptions itself) for the price of a few dozen lines; the protocol parsing and
// formatting stay hiredis'.
//
// Replies: RESP2 answers commands in order, so each reply goes to the oldest pending
// handler, except pub/sub pushes (arrays starting with "message", "subscribe",
// "unsubscribe" or "pong"), which go to the push handler when one is set.
//
// Failure: close() (or a socket error, or a reply timeout seen by check_timeout) fails
// every pending handler with a null reply, then tells the owner through on_down. The
// owner reconnects by calling connect() again (RedisBroker adds the backoff).
#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/EventLoop.h"

namespace wshub::broker {

// A resolved Redis address (resolution happens once, on the broker thread).
struct RedisEndpoint {
  sockaddr_storage address{};
  socklen_t length = 0;
  std::string text;  // host:port, for logs
};

class RedisConnection final : public net::IoHandler {
 public:
  // `reply` is null when the connection failed before the reply arrived.
  using ReplyHandler = std::function<void(const redisReply* reply)>;
  using Clock = std::chrono::steady_clock;

  struct Callbacks {
    std::function<void()> on_ready;                       // authenticated, database selected
    std::function<void(const std::string& why)> on_down;  // closed; pending handlers have failed
    std::function<void(const redisReply& push)> on_push;  // pub/sub pushes; may be empty
  };

  RedisConnection(net::EventLoop& loop, std::string name, Callbacks callbacks);
  ~RedisConnection() override;
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // Starts connecting; on_ready or on_down follows. AUTH and SELECT are sent first when
  // `password` is not empty or `database` is not 0.
  void connect(const RedisEndpoint& endpoint, const std::string& password, int database);
  bool ready() const { return state_ == State::ready; }
  bool idle() const { return state_ == State::down; }

  // Queues a command; the bytes go out at flush() (the broker's end-of-iteration hook), so
  // the commands of one loop iteration share a write. Not ready: `on_reply(nullptr)` at once.
  void send(const std::vector<std::string_view>& args, ReplyHandler on_reply);
  void flush();

  // Closes when the oldest pending reply (or the connect) is older than `timeout`.
  void check_timeout(Clock::time_point now, std::chrono::milliseconds timeout);
  void close(const std::string& why);

  void on_io(uint32_t events) override;

 private:
  enum class State { down, connecting, handshake, ready };
  struct Pending {
    ReplyHandler handler;
    Clock::time_point sent_at;
  };

  void send_raw(const std::vector<std::string_view>& args, ReplyHandler on_reply);
  void on_connected();
  void read_replies();
  void dispatch(redisReply* reply);
  void update_interest();

  net::EventLoop& loop_;
  const std::string name_;
  Callbacks callbacks_;
  State state_ = State::down;
  int fd_ = -1;
  uint64_t generation_ = 0;  // bumped by close(): lets read_replies notice a close mid-loop
  Clock::time_point connect_started_{};
  std::unique_ptr<redisReader, void (*)(redisReader*)> reader_{nullptr, redisReaderFree};
  std::string out_;
  size_t out_sent_ = 0;
  bool want_write_ = false;
  std::deque<Pending> pending_;
  std::string password_;
  int database_ = 0;
  std::string endpoint_text_;
};

// Parses "host:port" (IPv6 as "[::1]:6379") and resolves it (blocking getaddrinfo: call it
// on the broker thread or at start-up, never on a worker). Empty on failure, `error` set.
std::optional<RedisEndpoint> resolve_redis_endpoint(const std::string& address, std::string& error);

}  // namespace wshub::broker
