#pragma once
// A worker is one thread, one epoll loop, one SO_REUSEPORT listener, and the connections
// it accepted; it shares nothing mutable with other workers (thread-per-core,
// shared-nothing). Other threads talk to it only through loop().post().
#include <array>
#include <memory>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/Handler.h"
#include "http/Handshake.h"
#include "http/OriginPolicy.h"
#include "http/Request.h"
#include "http/RequestParser.h"
#include "net/EventLoop.h"
#include "server/Config.h"
#include "server/ConnectionLimits.h"
#include "server/LogThrottle.h"
#include "server/Stats.h"

namespace wshub::net {
class TlsContext;
}
namespace wshub::ws {
class Deflater;
}

namespace wshub::server {

class Connection;
class WebSocketBehavior;

// A plain HTTP route (the server API): requests whose path starts with `prefix`.
struct HttpRoute {
  std::string prefix;
  http::Handler* handler = nullptr;
  bool on_main = true;  // served on server.listen
  bool on_api = true;   // served on server.api_listen
  bool exact = false;   // only the path equal to `prefix` ("/": the demos' index, not every path)
};

// What all workers share, read-only after start-up.
struct WorkerContext {
  const Config* config = nullptr;
  ConnectionLimits* limits = nullptr;                                 // node-wide admission control
  net::TlsContext* tls = nullptr;                                     // nullptr: plain TCP
  std::vector<std::pair<std::string, WebSocketBehavior*>> endpoints;  // path -> behavior
  std::vector<HttpRoute> http_routes;
};

class Worker {
 public:
  Worker(unsigned index, const WorkerContext& context);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Takes ownership of `listen_fd` (and of `api_fd`, the server.api_listen socket, or
  // -1) and starts the thread.
  void start(int listen_fd, int api_fd = -1);
  // Any thread: stop accepting, close every connection (1001), stop when none is left
  // or at the configured deadline.
  void request_shutdown();
  void join();

  unsigned index() const { return index_; }
  net::EventLoop& loop() { return loop_; }
  const Config& config() const { return *context_.config; }
  WorkerStats& stats() { return stats_; }
  const WorkerStats& stats() const { return stats_; }

  // --- for connections (loop thread only) ---
  std::span<std::byte> read_buffer() { return {read_buffer_.get(), kReadBufferSize}; }
  void schedule_flush(Connection* connection) { flush_list_.push_back(connection); }
  void schedule_read(Connection* connection);
  void release(Connection* connection);
  WebSocketBehavior* behavior_for(std::string_view path) const;
  http::Handler* http_handler_for(std::string_view path, bool api_listener) const;
  // Asynchronous HTTP replies: a connection waiting for one is findable by id, so a reply
  // that arrives after it closed is dropped instead of touching freed memory.
  void await_http_reply(Connection* connection);
  void stop_awaiting_http_reply(uint64_t connection_id) { awaiting_reply_.erase(connection_id); }
  // Any thread: queues `reply` for the connection's request number `sequence`.
  void post_http_reply(uint64_t connection_id, uint32_t sequence, http::Reply reply);
  const http::HandshakeOptions& handshake_options() const { return handshake_options_; }
  // At the upgrade: counts the WebSocket against the connection caps, or says why not
  // (counted, logged at most once a second). An admitted one is released with
  // release_websocket() when it closes.
  ConnectionRefusal admit_websocket(const sockaddr_storage& peer);
  void release_websocket(const sockaddr_storage& peer);
  http::ParserLimits parser_limits() const;
  std::string respond_http(const http::Request& request);
  // The worker's compressor for a window size. It never keeps context between messages,
  // so one compressor serves every connection and none carries a ~256 KiB zlib state of
  // its own; its output is valid for peers with or without context takeover.
  ws::Deflater& deflater(int window_bits);
  std::string& compression_scratch() { return compression_scratch_; }

 private:
  class Listener;
  static constexpr size_t kReadBufferSize = 512 * 1024;

  void run();
  void accept_ready(int listen_fd, bool api_listener);
  void refuse_accepted(int fd, bool tls);
  void log_refusal(ConnectionRefusal refusal, const sockaddr_storage& peer);
  void deliver_http_reply(uint64_t connection_id, uint32_t sequence, const http::Reply& reply);
  void end_of_iteration();
  void begin_shutdown();
  void link(Connection* connection);
  void unlink(Connection* connection);
  static void on_shutdown_deadline(net::TimerNode* node);

  unsigned index_;
  const WorkerContext& context_;
  net::EventLoop loop_;
  WorkerStats stats_;
  std::unique_ptr<Listener> listener_;
  std::unique_ptr<Listener> api_listener_;
  int listen_fd_ = -1;
  int api_fd_ = -1;
  int reserve_fd_ = -1;  // spare descriptor: lets us shed a connection when out of fds
  std::thread thread_;
  std::unique_ptr<std::byte[]> read_buffer_;

  Connection* connections_ = nullptr;  // intrusive list of live connections
  size_t connection_count_ = 0;
  uint64_t next_id_ = 1;
  std::vector<Connection*> flush_list_;
  std::vector<Connection*> read_list_;
  std::vector<Connection*> closed_list_;
  std::unordered_map<uint64_t, Connection*> awaiting_reply_;
  struct QueuedReply {
    uint64_t connection_id;
    uint32_t sequence;
    http::Reply reply;
  };
  std::vector<QueuedReply> replies_;  // from this thread; delivered at the end of the pass
  bool shutting_down_ = false;
  net::TimerNode shutdown_timer_;

  LogThrottle refusal_log_;
  http::OriginPolicy origins_;
  http::HandshakeOptions handshake_options_;
  std::array<std::unique_ptr<ws::Deflater>, 16> deflaters_;
  std::string compression_scratch_;
};

}  // namespace wshub::server
