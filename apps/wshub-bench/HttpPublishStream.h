#pragma once
// The sans-IO half of the HTTP publisher: which requests are waiting, which are on the
// connection, and what the bytes coming back say about them. HttpPublishConnection does the
// socket work around it; the unit tests drive it with bytes alone.
//
// Requests are sent in order, at most `window` on the connection at once (1 = no pipelining),
// and answered in order (RFC 9112 §9.3.2): each complete response is matched to the oldest
// request on the connection. Responses are read with the server's own http::ResponseParser
// (Content-Length or chunked, 1xx skipped, strict framing), so a response framed wrongly is
// an error, never a miscount.
//
// A request's bytes are made by the caller's `Render` at the moment it enters the window (it
// goes to the socket right after), so the publication's stamp is the time its POST is
// written, not the time it was due: the wait for room in the window is reported apart
// (`queued_ns`), and the latency a subscriber sees is the server's alone.
//
// Connections end: a server closes an idle keep-alive connection (Node's after 5 s), answers
// `Connection: close`, or the socket fails. connection_ended() then puts the requests that
// were on it and had no response back at the head of the queue, in order, to be sent again
// on the next connection with the same bytes (same stamp, same idempotency key if any);
// after `max_attempts` sends a request is given up and returned, for the caller to count.
// A server that processed a request whose response was lost may therefore see it twice:
// with an idempotency key wshub publishes it once; a server without them delivers it twice,
// and the subscribers count the duplicate.
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::http {
class ResponseParser;
}

namespace wshub::bench {

struct PendingPublish {
  uint32_t channel = 0;
  uint64_t seq = 0;
  uint64_t due_ns = 0;    // when the schedule called for it
  uint64_t stamp_ns = 0;  // when its request was first rendered (written); 0 until then
  std::string request;    // empty until rendered
  int attempts = 0;       // times it was put on a connection
};

struct HttpAnswer {
  int status = 0;
  PendingPublish publish;
};

class HttpPublishStream {
 public:
  // Makes `p.request` (and sets `p.stamp_ns`) for a request entering the window at `now_ns`.
  using Render = std::function<void(PendingPublish& p, uint64_t now_ns)>;

  HttpPublishStream(int window, int max_attempts, Render render);
  ~HttpPublishStream();

  void enqueue(PendingPublish p) { waiting_.push_back(std::move(p)); }

  // Moves waiting requests into the window while it has room (rendering new ones) and
  // appends their bytes to the output. Returns how many entered.
  size_t fill_window(uint64_t now_ns);
  // Bytes to write, and how many of them the socket took.
  std::string_view output() const { return std::string_view(out_).substr(written_); }
  void wrote(size_t n);

  struct FeedResult {
    std::vector<HttpAnswer> answers;  // complete responses, in order
    bool close = false;               // the connection must end (after `answers`)
    std::string_view why;             // when close: why (static text)
    bool error = false;               // the close is an error (malformed, too large, stray response)
  };
  // Bytes read from the connection.
  FeedResult feed(std::span<const char> bytes);
  // The server closed its end (read returned 0): completes a response that runs to close.
  FeedResult finish();

  // The connection is gone: requests on it go back to the queue's head, in order; those
  // sent max_attempts times already are returned (given up). The next connection starts clean.
  std::vector<PendingPublish> connection_ended();

  size_t in_flight() const { return in_flight_.size(); }
  size_t waiting() const { return waiting_.size(); }
  size_t outstanding() const { return in_flight_.size() + waiting_.size(); }
  bool window_full() const { return in_flight_.size() >= static_cast<size_t>(window_); }
  // Requests sent again after a connection ended, since construction.
  uint64_t resent() const { return resent_; }

 private:
  FeedResult take(std::span<const char> bytes, bool at_end);

  const int window_;
  const int max_attempts_;
  Render render_;
  std::unique_ptr<http::ResponseParser> parser_;
  std::deque<PendingPublish> waiting_;
  std::deque<PendingPublish> in_flight_;  // on the connection, oldest first
  std::string out_;
  size_t written_ = 0;
  uint64_t resent_ = 0;
};

}  // namespace wshub::bench
