#pragma once
// Per-worker counters. Each is written by its worker thread only and read by scrapers on
// other threads, so a relaxed load+store (no locked instruction) is enough: counting
// must cost nothing measurable on the per-message path. Totals are summed on scrape.
#include <atomic>
#include <cstdint>

namespace wshub::server {

class Counter {
 public:
  void bump(uint64_t n = 1) {
    value_.store(value_.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  uint64_t get() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> value_{0};
};

struct WorkerStats {
  Counter connections_accepted;
  Counter connections_closed;
  Counter accept_errors;
  Counter tls_handshakes;
  Counter handshake_failures;  // refused upgrades and failed TLS handshakes
  Counter handshake_timeouts;
  Counter http_errors;    // malformed HTTP (400, 413, 431, ...)
  Counter http_requests;  // plain HTTP requests answered
  Counter websockets_opened;
  Counter messages_in;
  Counter messages_out;
  Counter bytes_in;
  Counter bytes_out;
  Counter bytes_dropped;  // discarded from slow consumers' queues
  Counter protocol_errors;
  Counter slow_consumers;
  Counter ping_timeouts;
  // Connections refused by the limits of [limits], by reason (docs/security.md).
  Counter refused_accept_rate;  // closed right after accept: limits.accept_rate
  Counter refused_total;        // HTTP 429 at the upgrade: limits.max_connections
  Counter refused_per_ip;       // HTTP 429 at the upgrade: limits.max_connections_per_ip
  std::atomic<int64_t> connections_current{0};
};

}  // namespace wshub::server
