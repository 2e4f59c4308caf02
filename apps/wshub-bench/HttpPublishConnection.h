#pragma once
// The HTTP side of the publisher: one keep-alive HTTP/1.1 connection to the server API
// (`POST /api/publish`), up to `window` requests in flight (1 unless the caller pipelines),
// responses matched to requests in order (RFC 9112 §9.3.2). Content-Length and chunked
// bodies are read and skipped; a 2xx status is an accepted publication.
#include <netinet/in.h>

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

namespace wshub::bench {

class HttpPublishConnection {
 public:
  class Events {
   public:
    virtual ~Events() = default;
    virtual void on_response(int status, uint32_t tag) = 0;
    virtual void on_failed(std::string_view why) = 0;
  };

  HttpPublishConnection(Events& events, int window) : events_(events), window_(window) {}
  ~HttpPublishConnection();

  // Connects (blocking: loopback) and adds the socket to `epoll_fd`. Empty on success.
  std::string connect_to(const sockaddr_in& address, int epoll_fd);
  bool is_open() const { return fd_ >= 0; }
  // Requests sent and not answered, plus those waiting for room in the window.
  size_t outstanding() const { return in_flight_.size() + waiting_.size(); }
  bool window_full() const { return in_flight_.size() >= static_cast<size_t>(window_); }
  // Sends the request now if the window has room, else queues it; `tag` comes back with
  // its response.
  void send(std::string request, uint32_t tag);
  void on_event(uint32_t events);
  void close();

 private:
  void write_pending();
  void parse_responses();
  void fail(std::string_view why);
  void watch(uint32_t events);

  Events& events_;
  int window_;
  int fd_ = -1;
  int epoll_fd_ = -1;
  uint32_t watched_ = 0;
  std::string out_;                 // bytes of sent requests not yet written
  std::deque<uint32_t> in_flight_;  // tags of the requests written, oldest first
  std::deque<std::pair<std::string, uint32_t>> waiting_;
  std::string in_;  // response bytes not yet parsed
};

}  // namespace wshub::bench
