#pragma once
// Per-worker counters. Each is written by its worker thread only and read by scrapers on
// other threads, so a relaxed load+store (no locked instruction) is enough: counting
// must cost nothing measurable on the per-message path. Totals are summed on scrape.
#include <array>
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

// WebSocket close codes seen by this worker (sent or received, one per WebSocket): the
// RFC 6455 range 1000-1015 and the application range 4000-4999 by code, anything else
// in one slot. 1,017 counters (8 KiB) per worker; a scrape lists only those not zero.
class CloseCodeCounts {
 public:
  static constexpr uint16_t kOther = 0;
  void bump(uint16_t code) { counts_[slot(code)].bump(); }
  // f(code, count) for every code counted at least once (code kOther: outside the ranges).
  template <typename F>
  void for_each(F&& f) const {
    for (size_t i = 0; i < counts_.size(); ++i) {
      if (uint64_t n = counts_[i].get()) f(code_of(i), n);
    }
  }

 private:
  static constexpr size_t kRfcSlots = 16;    // 1000-1015
  static constexpr size_t kAppSlots = 1000;  // 4000-4999
  static size_t slot(uint16_t code) {
    if (code >= 1000 && code < 1000 + kRfcSlots) return 1 + (code - 1000);
    if (code >= 4000 && code < 4000 + kAppSlots) return 1 + kRfcSlots + (code - 4000);
    return 0;
  }
  static uint16_t code_of(size_t slot) {
    if (slot == 0) return kOther;
    if (slot <= kRfcSlots) return static_cast<uint16_t>(1000 + slot - 1);
    return static_cast<uint16_t>(4000 + slot - 1 - kRfcSlots);
  }
  std::array<Counter, 1 + kRfcSlots + kAppSlots> counts_{};
};

struct WorkerStats {
  Counter connections_accepted;
  Counter connections_closed;
  Counter accept_errors;
  Counter tls_handshakes;
  Counter handshake_failures;  // refused upgrades and failed TLS handshakes
  // ... by reason (their sum is handshake_failures):
  Counter handshake_failed_tls;      // the TLS handshake failed
  Counter handshake_failed_upgrade;  // the upgrade request was refused (400, 403, 405, 426, ...)
  Counter handshake_failed_token;    // the upgrade's Bearer token was refused (401)
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
  CloseCodeCounts close_codes;
  std::atomic<int64_t> connections_current{0};
  // Bytes waiting in this worker's connections' output queues, as of each connection's
  // last flush (so at most one loop pass old); updated per flush, not per message.
  std::atomic<int64_t> outbound_queued_bytes{0};
  void add_outbound_queued(int64_t delta) {
    outbound_queued_bytes.store(outbound_queued_bytes.load(std::memory_order_relaxed) + delta,
                                std::memory_order_relaxed);
  }
};

}  // namespace wshub::server
