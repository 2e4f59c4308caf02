#pragma once
// The fanout scenario's publisher: one connection on its own thread (its own epoll loop),
// publishing round-robin over the channels, either as a WebSocket client
//   {"type":"publish","id":N,"channel":"bench:K","message_type":"bench","payload":P}
// (replies `ack` or `error` are counted, never waited for), or through the server API
//   POST /api/publish  Authorization: apikey KEY  {"channel":"bench:K","type":"bench","payload":P}
// on keep-alive HTTP/1.1 connections (HttpPublishConnection; several are used round robin,
// so a channel's publications may then arrive reordered, which subscribers count). P is
//   {"seq":S,"t":T,"pad":"xx.."}
// S numbers each channel's publications from 0; T is CLOCK_MONOTONIC in nanoseconds when
// the publication is built. Over WebSocket that is when it is due: at a fixed rate,
// publication i of a point is due at start + i / rate; open loop ("--rate 0") publishes
// whenever the connection has taken the previous batch; a publication that must wait (a
// socket buffer full) waits with its stamp, so the server's backpressure shows in the
// latency. Over HTTP the request is built when it enters the window of requests in flight,
// right before its POST is written, so T is the moment of the POST and the latency is
// the server's alone; the wait for the window shows as the publisher's lag instead. `pad` makes P `payload_size` bytes long. How far the publisher itself ran
// behind its schedule is reported (max_lag), so a late publisher cannot pass unnoticed.
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "ClientConnection.h"
#include "HttpPublishConnection.h"

namespace wshub::bench {

struct PublisherPlan {
  DialTarget target;  // the WebSocket endpoint (when !http)
  bool http = false;
  sockaddr_in api_address{};
  std::string api_host;  // Host: of the API
  std::string api_path = "/api/publish";
  std::string api_key;
  int http_window = 1;       // requests in flight per connection
  int http_connections = 1;  // keep-alive connections, used round robin
  bool idempotency_keys = false;  // add "idempotency_key" to every API publication
  int channels = 1;
  size_t payload_size = 64;
};

// What the publisher did, cumulative since connect.
struct PublisherCounts {
  uint64_t sent = 0;
  std::vector<uint64_t> sent_per_channel;
  uint64_t acks = 0;    // `ack` replies, or 2xx responses
  std::vector<uint64_t> acks_per_channel;
  uint64_t errors = 0;  // `error` replies, or non-2xx responses and requests given up
  std::vector<uint64_t> errors_per_channel;
  // HTTP only: non-2xx responses (and the first such status), requests sent 3 times with no
  // response (their fate unknown: not counted as expected), connections the server ended
  // (those that were errors: a reset, a malformed response, requests left unanswered),
  // and requests sent again on a new connection.
  uint64_t http_non_2xx = 0;
  int http_first_bad_status = 0;
  uint64_t http_given_up = 0;
  uint64_t http_reconnects = 0;
  uint64_t http_connection_errors = 0;
  uint64_t http_resent = 0;
  uint64_t max_lag_ns = 0;  // of the last point
  bool lost = false;        // the connection failed
  std::string first_error;
};

class Publisher final : private ClientEvents, private HttpPublishConnection::Events {
 public:
  explicit Publisher(PublisherPlan plan);
  ~Publisher() override;

  // Starts the thread and connects. Empty on success, else why not.
  std::string connect(double timeout_seconds);
  // Publishes at `rate` per second (0: open loop) from start_ns to end_ns. Returns at once.
  void begin_point(double rate, uint64_t start_ns, uint64_t end_ns);
  // Blocks until the point's end has passed.
  void wait_point();
  PublisherCounts counts() const;

 private:
  void run();
  void publish(uint32_t count, uint64_t now);
  bool can_take_more() const;
  // ClientEvents (WebSocket)
  void on_open(ClientConnection& c, uint64_t now_ns) override;
  void on_message(ClientConnection& c, std::string_view message, uint64_t now_ns) override;
  void on_closed(ClientConnection& c, bool clean, std::string_view why) override;
  // HttpPublishConnection::Events
  void on_answer(const HttpAnswer& answer) override;
  void on_given_up(const PendingPublish& p, std::string_view why) override;
  void on_connection_ended(std::string_view why, bool error) override;
  void on_failed(std::string_view why) override;
  // Makes the POST of `p` at the moment it is written: its stamp is now.
  void render_http(PendingPublish& p, uint64_t now_ns);
  HttpPublishConnection& next_http_connection();
  void note_failure(std::string_view why);

  const PublisherPlan plan_;
  int epoll_fd_ = -1;
  ClientConnection ws_;
  std::vector<std::unique_ptr<HttpPublishConnection>> http_;
  size_t next_http_ = 0;
  ReadBuffer buffer_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connected_{0};  // 0 pending, 1 open, -1 failed

  // The point being published (set by begin_point under mutex_).
  std::atomic<uint32_t> point_requested_{0}, point_done_{0};
  double rate_ = 0;
  uint64_t start_ns_ = 0, end_ns_ = 0;

  // Publisher-thread state.
  uint64_t next_id_ = 1;
  uint64_t sent_in_point_ = 0;
  std::vector<uint64_t> seq_;  // next sequence number per channel
  std::string scratch_, message_;

  mutable std::mutex mutex_;  // guards counts_ (touched once per batch and per reply)
  PublisherCounts counts_;
};

}  // namespace wshub::bench
