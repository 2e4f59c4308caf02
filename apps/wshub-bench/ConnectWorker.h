#pragma once
// One generator thread of the connect scenario: `slots` connections at a time, each
// connecting (from its source address), completing TLS when asked and the upgrade, then
// closing cleanly (our close frame, the server's answer and its FIN); a slot whose
// connection is done starts the next one, until `total` have been tried. The handshake
// latency is from just before socket() to the read that completed the upgrade: TCP, TLS
// and HTTP together, what a client waits for before it can send.
#include <cstdint>
#include <string>
#include <vector>

#include "ClientConnection.h"
#include "LatencyHistogram.h"

namespace wshub::bench {

struct ConnectResult {
  uint64_t upgraded = 0;        // handshakes completed
  uint64_t failed = 0;          // connections that never completed one
  uint64_t closed_clean = 0;    // upgraded, then a complete closing handshake
  uint64_t close_problems = 0;  // upgraded, but the close did not complete cleanly
  LatencyHistogram latency;     // handshake, nanoseconds
  std::string first_error;
};

class ConnectWorker final : private ClientEvents {
 public:
  // Connections number `first` .. `first + total - 1`.
  ConnectWorker(const DialTarget& target, int slots, int first, int total, double timeout_seconds);
  ConnectWorker(const ConnectWorker&) = delete;
  ConnectWorker& operator=(const ConnectWorker&) = delete;
  ~ConnectWorker() override;

  // The thread body: returns when every connection is done.
  void run();
  const ConnectResult& result() const { return result_; }

 private:
  void on_open(ClientConnection& c, uint64_t now_ns) override;
  void on_message(ClientConnection&, std::string_view, uint64_t) override {}
  void on_closed(ClientConnection& c, bool clean, std::string_view why) override;
  void note(std::string_view why);

  const DialTarget& target_;
  const int first_;
  const int total_;
  const uint64_t timeout_ns_;
  int epoll_fd_ = -1;
  std::vector<ClientConnection> slots_;
  std::vector<uint64_t> started_at_;
  std::vector<bool> was_open_;
  std::vector<bool> free_;
  int next_ = 0;
  int done_ = 0;
  ReadBuffer buffer_;
  ConnectResult result_;
};

}  // namespace wshub::bench
