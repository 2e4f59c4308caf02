#pragma once
// Ingestion from a Redis stream: back-end services publish without HTTP by adding publish
// commands (the JSON of `api/publish`) to a stream, and every node consumes them as a
// member of one consumer group (docs/server-api.md "Ingestion from a Redis stream").
//
// Delivery is at least once. An entry is acknowledged (XACK) only after the broker accepted
// its publication, or after it was found unusable (malformed, a refused channel), so that
// it never blocks the stream; such an entry is logged, counted and, when
// `dead_letter_stream` is set, copied there first. A publication the broker could not take
// (error 113, Redis down) stays in this consumer's pending list and is tried again.
// Redeliveries do not double a publication: a command without `idempotency_key` is
// published with one derived from the stream and the entry id, and the broker answers a
// repeated key with the first publication's position (within its 5-minute window).
//
// The loop, one read at a time on one connection:
//   1. XGROUP CREATE <stream> <group> 0 MKSTREAM (BUSYGROUP: it exists): a new group starts
//      at the beginning of the stream, so entries added before the first node ran count.
//   2. Pending pass: XREADGROUP ... STREAMS <stream> <id> from id 0 re-reads what this
//      consumer read and did not acknowledge (a restart under the same consumer name),
//      batch by batch, until it comes back empty.
//   3. Live: XREADGROUP ... BLOCK <block> STREAMS <stream> >, batch after batch.
//   4. Every claim_idle / 2: XAUTOCLAIM <stream> <group> <consumer> <claim_idle> moves
//      entries that another consumer has held longer than claim_idle (a node that crashed)
//      to this one, and they are processed like any other batch.
//   A failed publication schedules another pending pass after `retry_delay`. Reading waits
//   while `publishable()` says the broker is down: nothing would be accepted.
//
// The commands of one batch are started together, in stream order; a broker that keeps
// per-caller order (the memory and Redis brokers do) publishes them in that order.
//
// Threads: a thread of its own runs an event loop (net/EventLoop) with one RedisConnection,
// as the Redis broker does. Publications go through ServerApi, whose completions arrive on
// any thread and are posted back to that loop. Counters are atomics, read by /metrics.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api/IngestedCommand.h"
#include "broker/RedisConnection.h"
#include "broker/RedisStreamReply.h"
#include "net/EventLoop.h"
#include "server/LogThrottle.h"

namespace wshub::api {
class ServerApi;
}

namespace wshub::server {

class PrometheusWriter;

struct RedisStreamIngestOptions {
  std::string address = "127.0.0.1:6379";  // host:port
  std::string password;                    // AUTH when not empty
  int database = 0;                        // SELECT when not 0
  std::string stream;                      // the stream's key
  std::string group = "wshub";             // the consumer group every node joins
  std::string consumer;                    // this node's name in the group (stable across restarts)
  std::string field = "command";           // the entry field holding the command's JSON
  std::string dead_letter_stream;          // rejected entries are copied here; empty: only logged
  size_t dead_letter_max_length = 10000;   // XADD MAXLEN ~ of the dead-letter stream
  size_t batch = 100;                      // COUNT of one read or claim
  std::chrono::milliseconds block{std::chrono::seconds(2)};  // BLOCK of a live read
  std::chrono::milliseconds claim_idle{
      std::chrono::minutes(1)};  // another consumer's entry is claimed after this
  std::chrono::milliseconds retry_delay{std::chrono::seconds(1)};      // before re-reading failed entries
  std::chrono::milliseconds command_timeout{std::chrono::seconds(2)};  // besides BLOCK
  std::chrono::milliseconds reconnect_min{std::chrono::milliseconds(100)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
  size_t max_command_bytes = 1024 * 1024;  // as http.max_body_bytes bounds a request
};

class RedisStreamIngest {
 public:
  using Options = RedisStreamIngestOptions;
  // Whether a publication can be accepted now (the broker is connected).
  using Publishable = std::function<bool()>;

  // Throws std::runtime_error when the address cannot be parsed or resolved (start-up).
  // `api` outlives this object.
  RedisStreamIngest(Options options, api::ServerApi& api, Publishable publishable);
  ~RedisStreamIngest();
  RedisStreamIngest(const RedisStreamIngest&) = delete;
  RedisStreamIngest& operator=(const RedisStreamIngest&) = delete;

  void start();
  // Stops reading and joins the thread; what was read and not acknowledged stays pending in
  // Redis for the next start or another node. Idempotent, any thread but the loop's.
  void stop();

  struct Counters {
    std::atomic<uint64_t> published{0};     // acknowledged after the broker accepted them
    std::atomic<uint64_t> rejected{0};      // unusable entries, acknowledged (and dead-lettered)
    std::atomic<uint64_t> retries{0};       // publications refused with `unavailable`, left pending
    std::atomic<uint64_t> claimed{0};       // entries taken over from other consumers
    std::atomic<uint64_t> dead_letters{0};  // copies added to the dead-letter stream
    std::atomic<uint64_t> redis_errors{0};  // failed stream commands (the connection is reset)
  };
  const Counters& counters() const { return counters_; }
  bool connected() const { return connected_.load(std::memory_order_acquire); }
  const Options& options() const { return options_; }

  // The wshub_redis_ingest_* families of /metrics (docs/operations.md).
  void write_metrics(PrometheusWriter& w) const;

 private:
  struct Batch;
  struct Mailbox;
  using Clock = std::chrono::steady_clock;

  void run_loop();
  void on_tick();
  void on_ready();
  void on_down(const std::string& why);
  void advance();
  void read(bool live);
  void claim();
  std::chrono::milliseconds claim_period() const;
  void process(std::vector<broker::StreamEntry> entries);
  void finish(const std::shared_ptr<Batch>& batch);
  void dead_letter(const broker::StreamEntry& entry, const api::IngestResult& result);
  void acknowledge(const std::vector<std::string>& ids);
  void fail_command(const char* what, const redisReply* reply);

  const Options options_;
  api::ServerApi& api_;
  Publishable publishable_;
  broker::RedisEndpoint endpoint_;
  Counters counters_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stopped_{false};
  bool started_ = false;
  net::EventLoop loop_;
  net::TimerNode tick_;
  std::thread thread_;
  std::shared_ptr<Mailbox> mailbox_;

  // Loop thread only.
  std::unique_ptr<broker::RedisConnection> connection_;
  std::chrono::milliseconds backoff_;
  Clock::time_point reconnect_at_{};
  uint64_t generation_ = 0;  // bumped when the connection drops: batches of an older one only acknowledge
  bool group_ready_ = false;
  bool busy_ = false;         // a read, claim or batch is in flight
  bool pending_pass_ = true;  // re-reading this consumer's pending entries (from pending_cursor_)
  std::string pending_cursor_ = "0";
  std::string claim_cursor_ = "0-0";
  Clock::time_point next_claim_at_{};
  bool retry_scheduled_ = false;
  Clock::time_point retry_at_{};
  LogThrottle rejected_log_{std::chrono::seconds(1), 5};
  LogThrottle error_log_{std::chrono::seconds(1), 1};
};

}  // namespace wshub::server
