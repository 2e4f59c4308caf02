#pragma once
// The HTTP side of the publisher: a keep-alive HTTP/1.1 connection to the server API
// (`POST /api/publish`) around HttpPublishStream (which requests are where, and what the
// responses say). When the server ends the connection (an idle keep-alive timeout, a
// `Connection: close`, a reset) it connects again at once and sends again what had no
// response; if connecting keeps failing for kGiveUpSeconds the publisher is lost.
#include <netinet/in.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "HttpPublishStream.h"

namespace wshub::bench {

class HttpPublishConnection {
 public:
  class Events {
   public:
    virtual ~Events() = default;
    virtual void on_answer(const HttpAnswer& answer) = 0;
    // Sent max_attempts times without a response: its fate is unknown.
    virtual void on_given_up(const PendingPublish& p, std::string_view why) = 0;
    // The connection ended and a new one is being made; `error` unless the server closed it
    // in an orderly way between responses (idle timeout, Connection: close).
    virtual void on_connection_ended(std::string_view why, bool error) = 0;
    // No connection could be made again: the publisher is lost.
    virtual void on_failed(std::string_view why) = 0;
  };

  static constexpr int kMaxAttempts = 3;
  static constexpr double kGiveUpSeconds = 10;

  HttpPublishConnection(Events& events, int window, HttpPublishStream::Render render)
      : events_(events), stream_(window, kMaxAttempts, std::move(render)) {}
  ~HttpPublishConnection();

  // Connects (blocking: loopback) and adds the socket to `epoll_fd`. Empty on success.
  std::string connect_to(const sockaddr_in& address, int epoll_fd);
  // Open, or being made again: publications are accepted and wait for the connection.
  bool usable() const { return !failed_; }
  bool window_full() const { return stream_.window_full() || fd_ < 0; }
  size_t outstanding() const { return stream_.outstanding(); }
  // Queues the publication and sends what the window has room for.
  void send(PendingPublish p, uint64_t now_ns);
  void on_event(uint32_t events, uint64_t now_ns);
  // Called on every wake-up of the publisher's loop: retries a failed connect.
  void tick(uint64_t now_ns);
  void close();

 private:
  std::string open_socket();
  void pump(uint64_t now_ns);  // fill the window and write
  void write_pending();
  void handle(HttpPublishStream::FeedResult result, uint64_t now_ns);
  void end_connection(std::string_view why, bool error, uint64_t now_ns);
  void watch(uint32_t events);

  Events& events_;
  HttpPublishStream stream_;
  sockaddr_in address_{};
  int fd_ = -1;
  int epoll_fd_ = -1;
  uint32_t watched_ = 0;
  bool failed_ = false;
  uint64_t down_since_ns_ = 0;  // when the connection was lost and not yet made again
  uint64_t next_try_ns_ = 0;
  std::string last_connect_error_;
};

}  // namespace wshub::bench
