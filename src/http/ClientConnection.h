#pragma once
// One TCP connection from the HTTP client to an origin, carrying one request at a time (no pipelining: a
// slow response would hold up every request queued behind it on the connection, and a failure could not
// tell which requests the server had processed).
//
// Life: connecting -> busy (writing the request, reading the response) -> idle (pooled) -> busy -> ... ->
// closed. The OriginPool decides what a connection does next; the connection reports to it what the socket
// did, always from a loop callback (its on_io or its idle timer), never from a method the pool called: send()
// only arms write interest, so a failure found while writing is reported from the next on_io, not inside
// post(). After a report the connection does nothing more until the pool calls it again.
//
// A closed connection ignores events and stays allocated until RetiredConnections frees it (an event for it
// may still be in the loop's current batch).
//
// Input is read into the client's shared buffer and parsed at once, so an idle connection holds no buffer.
// Output is the request's own head and body strings, written with writev from an offset: no copy, and a
// retry on another connection resends the same bytes.
#include <sys/socket.h>

#include <chrono>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "http/HttpClientError.h"
#include "http/PendingRequest.h"
#include "http/ResponseParser.h"
#include "net/EventLoop.h"
#include "net/PlainTransport.h"

namespace wshub::http {

struct ResolvedEndpoint;

class ClientConnection final : public net::IoHandler {
 public:
  enum class State : uint8_t { connecting, busy, idle, closed };

  ClientConnection(OriginPool& pool, net::EventLoop& loop, std::span<std::byte> read_buffer,
                   ResponseLimits limits);
  ~ClientConnection() override;
  ClientConnection(const ClientConnection&) = delete;
  ClientConnection& operator=(const ClientConnection&) = delete;

  // Starts a non-blocking connect. False, with the reason in `error`, when no socket could be created or
  // the connect failed at once; the connection is then closed.
  bool open(const ResolvedEndpoint& endpoint, std::string& error);
  // Takes `request` and sends it once the socket is writable. Precondition: connecting or idle, no request.
  void send(std::unique_ptr<PendingRequest> request);
  // Gives the carried request back to the pool (after a report, or to fail it).
  std::unique_ptr<PendingRequest> take_request();
  // Arms the idle timer; the pool calls this when it pools the connection.
  void park(std::chrono::milliseconds idle_timeout);
  // Deregisters and closes the socket now. Idempotent. Does not report.
  void close();

  State state() const { return state_; }
  // A response completed on this connection before the current request: it may have been closed by the
  // server in the meantime, which is what the pool's one retry is for.
  bool reused() const { return exchanges_ > 0; }
  // What the request was doing, for timeout messages.
  std::string_view phase() const;

 private:
  void on_io(uint32_t events) override;
  void finish_connect();
  void write_request();
  // True when it reported to the pool (the exchange ended): the caller must not touch the socket again.
  bool read_response();
  void response_complete(bool bytes_follow);
  // Closes and reports the failure of the current request to the pool.
  void fail(HttpClientErrorKind kind, std::string message);
  void set_interest(uint32_t events);
  static void on_idle_timer(net::TimerNode* node);

  OriginPool& pool_;
  net::EventLoop& loop_;
  std::span<std::byte> read_buffer_;
  std::unique_ptr<net::PlainTransport> transport_;  // https would put a TLS transport here
  State state_ = State::closed;
  uint32_t interest_ = 0;  // events registered with epoll
  std::unique_ptr<PendingRequest> request_;
  size_t sent_ = 0;  // bytes of head + body written
  uint64_t exchanges_ = 0;
  ResponseParser parser_;
  net::TimerNode idle_timer_;
};

}  // namespace wshub::http
