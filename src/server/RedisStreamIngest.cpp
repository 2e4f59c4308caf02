#include "server/RedisStreamIngest.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>

#include "api/ServerApi.h"
#include "broker/RedisReplies.h"
#include "hub/ErrorCode.h"
#include "server/PrometheusWriter.h"

namespace wshub::server {
namespace {

using namespace std::chrono_literals;
using broker::redis_replies::as_view;
using broker::redis_replies::is_error;
using broker::redis_replies::ms;

constexpr auto kTick = 50ms;

}  // namespace

// The results of one read, filled by completions on any thread; the last one to finish
// hands the batch back to the loop.
struct RedisStreamIngest::Batch {
  uint64_t generation = 0;
  std::vector<broker::StreamEntry> entries;
  std::vector<api::IngestResult> results;
  std::atomic<size_t> remaining{0};
};

// How completions reach the loop. Cleared by stop(): a publication that completes after the
// node stopped consuming finds no loop and is dropped (its entry stays pending in Redis).
struct RedisStreamIngest::Mailbox {
  std::mutex mutex;
  RedisStreamIngest* owner = nullptr;

  void deliver(const std::shared_ptr<Batch>& batch) {
    std::lock_guard lock(mutex);
    if (!owner) return;
    // The queue holds 65,536 tasks and one batch is in flight at a time: a post cannot fail.
    owner->loop_.post([owner = owner, batch] { owner->finish(batch); });
  }
};

RedisStreamIngest::RedisStreamIngest(Options options, api::ServerApi& api, Publishable publishable)
    : options_(std::move(options)),
      api_(api),
      publishable_(std::move(publishable)),
      mailbox_(std::make_shared<Mailbox>()),
      backoff_(options_.reconnect_min) {
  std::string error;
  auto endpoint = broker::resolve_redis_endpoint(options_.address, error);
  if (!endpoint) throw std::runtime_error("redis stream ingest: " + error);
  endpoint_ = *endpoint;
  mailbox_->owner = this;
  connection_ = std::make_unique<broker::RedisConnection>(
      loop_, "ingest",
      broker::RedisConnection::Callbacks{
          [this] { on_ready(); }, [this](const std::string& why) { on_down(why); }, {}});
  tick_.owner = this;
  tick_.callback = [](net::TimerNode* node) { static_cast<RedisStreamIngest*>(node->owner)->on_tick(); };
  loop_.set_iteration_hook([this] { connection_->flush(); });
}

RedisStreamIngest::~RedisStreamIngest() {
  stop();
}

void RedisStreamIngest::start() {
  if (started_ || stopped_.load()) return;
  started_ = true;
  thread_ = std::thread([this] { run_loop(); });
}

void RedisStreamIngest::stop() {
  if (stopped_.exchange(true)) return;
  if (thread_.joinable()) {
    loop_.post([this] {
      loop_.timers().cancel(tick_);
      connection_->close("shutting down");
      loop_.stop();
    });
    thread_.join();
  }
  std::lock_guard lock(mailbox_->mutex);
  mailbox_->owner = nullptr;
  connected_.store(false, std::memory_order_release);
}

void RedisStreamIngest::run_loop() {
  loop_.post([this] {
    loop_.timers().schedule(tick_, kTick);
    connection_->connect(endpoint_, options_.password, options_.database);
  });
  loop_.run();
}

// ---------------------------------------------------------------------------------------
// Connection

void RedisStreamIngest::on_tick() {
  const auto now = Clock::now();
  // A live read legitimately waits up to BLOCK for its answer.
  connection_->check_timeout(now, options_.block + options_.command_timeout);
  if (connection_->idle() && now >= reconnect_at_ && !stopped_.load(std::memory_order_relaxed)) {
    connection_->connect(endpoint_, options_.password, options_.database);
  }
  advance();
  loop_.timers().schedule(tick_, kTick);
}

void RedisStreamIngest::on_ready() {
  backoff_ = options_.reconnect_min;
  const uint64_t generation = generation_;
  // From id 0: a group created now also takes the entries added before any node ran.
  connection_->send({"XGROUP", "CREATE", options_.stream, options_.group, "0", "MKSTREAM"},
                    [this, generation](const redisReply* reply) {
                      if (!reply || generation != generation_) return;
                      if (is_error(reply) && !as_view(*reply).starts_with("BUSYGROUP")) {
                        return fail_command("XGROUP CREATE", reply);
                      }
                      group_ready_ = true;
                      connected_.store(true, std::memory_order_release);
                      pending_pass_ = true;
                      pending_cursor_ = "0";
                      claim_cursor_ = "0-0";
                      // This consumer's own pending entries first; claims after a period.
                      next_claim_at_ = Clock::now() + claim_period();
                      spdlog::info("ingest: consuming redis stream \"{}\" at {} as \"{}\" of group \"{}\"",
                                   options_.stream, options_.address, options_.consumer, options_.group);
                      advance();
                    });
}

void RedisStreamIngest::on_down(const std::string& why) {
  ++generation_;
  group_ready_ = false;
  busy_ = false;
  connected_.store(false, std::memory_order_release);
  if (stopped_.load(std::memory_order_relaxed)) return;
  spdlog::warn("ingest: {}; reconnecting in {} ms", why, backoff_.count());
  reconnect_at_ = Clock::now() + backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
}

// A stream command failed (NOGROUP after the group was destroyed, WRONGTYPE, ...): start
// over on a fresh connection, which re-creates the group and re-reads what is pending.
void RedisStreamIngest::fail_command(const char* what, const redisReply* reply) {
  counters_.redis_errors.fetch_add(1, std::memory_order_relaxed);
  const std::string detail = reply ? std::string(as_view(*reply)) : std::string("unexpected reply");
  connection_->close(std::string(what) + ": " + detail);
}

// ---------------------------------------------------------------------------------------
// Reading

void RedisStreamIngest::advance() {
  if (busy_ || !group_ready_ || !connection_->ready() || stopped_.load(std::memory_order_relaxed)) return;
  if (publishable_ && !publishable_()) return;  // the broker is down: the next tick looks again
  const auto now = Clock::now();
  if (retry_scheduled_ && now >= retry_at_) {
    retry_scheduled_ = false;
    pending_pass_ = true;
    pending_cursor_ = "0";
  }
  if (now >= next_claim_at_) return claim();
  read(!pending_pass_);
}

void RedisStreamIngest::read(bool live) {
  busy_ = true;
  const std::string count = std::to_string(options_.batch);
  const std::string block = ms(options_.block);
  std::vector<std::string_view> args{"XREADGROUP",      "GROUP", options_.group,
                                     options_.consumer, "COUNT", count};
  if (live) {
    args.insert(args.end(), {"BLOCK", block});
  }
  args.insert(args.end(), {"STREAMS", options_.stream, live ? std::string_view(">") : pending_cursor_});
  const uint64_t generation = generation_;
  connection_->send(args, [this, live, generation](const redisReply* reply) {
    if (!reply || generation != generation_) return;  // dropped: on_down reset the state
    if (is_error(reply)) return fail_command("XREADGROUP", reply);
    std::vector<broker::StreamEntry> entries;
    if (!broker::parse_stream_read(*reply, entries)) return fail_command("XREADGROUP", nullptr);
    if (!live) {
      if (entries.empty()) {
        pending_pass_ = false;
      } else {
        pending_cursor_ = entries.back().id;
      }
    }
    if (entries.empty()) {
      busy_ = false;
      return advance();
    }
    process(std::move(entries));
  });
}

std::chrono::milliseconds RedisStreamIngest::claim_period() const {
  return std::max<std::chrono::milliseconds>(options_.claim_idle / 2, 100ms);
}

void RedisStreamIngest::claim() {
  busy_ = true;
  const std::string idle = ms(options_.claim_idle);
  const std::string count = std::to_string(options_.batch);
  const uint64_t generation = generation_;
  connection_->send(
      {"XAUTOCLAIM", options_.stream, options_.group, options_.consumer, idle, claim_cursor_, "COUNT", count},
      [this, generation](const redisReply* reply) {
        if (!reply || generation != generation_) return;
        if (is_error(reply)) return fail_command("XAUTOCLAIM", reply);
        broker::StreamClaim claimed;
        if (!broker::parse_stream_claim(*reply, claimed)) return fail_command("XAUTOCLAIM", nullptr);
        claim_cursor_ = claimed.next_cursor;
        if (claim_cursor_ == "0-0") {
          next_claim_at_ = Clock::now() + claim_period();
        }
        if (claimed.entries.empty()) {
          busy_ = false;
          return advance();
        }
        counters_.claimed.fetch_add(claimed.entries.size(), std::memory_order_relaxed);
        spdlog::info("ingest: claimed {} entries pending for longer than {} ms at other consumers",
                     claimed.entries.size(), options_.claim_idle.count());
        process(std::move(claimed.entries));
      });
}

// Every command of the batch starts now, in stream order; the batch finishes when the last
// completion arrived (a guard count of one keeps it open while they are being started).
void RedisStreamIngest::process(std::vector<broker::StreamEntry> entries) {
  auto batch = std::make_shared<Batch>();
  batch->generation = generation_;
  batch->entries = std::move(entries);
  batch->results.resize(batch->entries.size());
  batch->remaining.store(batch->entries.size() + 1, std::memory_order_relaxed);
  for (size_t i = 0; i < batch->entries.size(); ++i) {
    const broker::StreamEntry& entry = batch->entries[i];
    api::IngestResult& result = batch->results[i];
    std::optional<std::string_view> command = entry.field(options_.field);
    if (entry.deleted || !command) {
      // Deleted while pending: nothing left to publish. No command field: unusable.
      result.outcome = entry.deleted ? api::IngestOutcome::accepted : api::IngestOutcome::rejected;
      result.code = hub::code(hub::ErrorCode::bad_request);
      result.detail = "entry: no \"" + options_.field + "\" field";
      batch->remaining.fetch_sub(1, std::memory_order_relaxed);
      continue;
    }
    api::execute_ingested_publish(api_, *command, "redis-stream:" + options_.stream + ":" + entry.id,
                                  options_.max_command_bytes,
                                  [mailbox = mailbox_, batch, i](api::IngestResult r) {
                                    batch->results[i] = std::move(r);
                                    if (batch->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1)
                                      mailbox->deliver(batch);
                                  });
  }
  if (batch->remaining.fetch_sub(1, std::memory_order_acq_rel) == 1) finish(batch);
}

void RedisStreamIngest::finish(const std::shared_ptr<Batch>& batch) {
  std::vector<std::string> acknowledged;
  for (size_t i = 0; i < batch->entries.size(); ++i) {
    const broker::StreamEntry& entry = batch->entries[i];
    const api::IngestResult& result = batch->results[i];
    switch (result.outcome) {
      case api::IngestOutcome::accepted:
        if (!entry.deleted) counters_.published.fetch_add(1, std::memory_order_relaxed);
        acknowledged.push_back(entry.id);
        break;
      case api::IngestOutcome::retry:
        // Left pending: the next pending pass, after retry_delay, tries it again.
        counters_.retries.fetch_add(1, std::memory_order_relaxed);
        if (!retry_scheduled_) {
          retry_scheduled_ = true;
          retry_at_ = Clock::now() + options_.retry_delay;
        }
        break;
      case api::IngestOutcome::rejected:
        counters_.rejected.fetch_add(1, std::memory_order_relaxed);
        if (auto held_back = rejected_log_.admit(Clock::now())) {
          spdlog::warn("ingest: stream entry {} rejected (error {}: {}); {}{}", entry.id, result.code,
                       result.detail,
                       options_.dead_letter_stream.empty() ? "acknowledged"
                                                           : "moved to " + options_.dead_letter_stream,
                       *held_back ? fmt::format(" ({} similar suppressed)", *held_back) : std::string());
        }
        if (options_.dead_letter_stream.empty()) {
          acknowledged.push_back(entry.id);
        } else if (connection_->ready()) {
          dead_letter(entry, result);
        }
        break;
    }
  }
  // Entries read on a connection that dropped are still pending: acknowledge them on this one.
  if (connection_->ready()) acknowledge(acknowledged);
  if (batch->generation != generation_) return;  // the reads of the new connection are under way
  busy_ = false;
  advance();
}

// The original fields follow wshub's own (`entry`, `error`, `code`); the entry is
// acknowledged once the copy is stored, so a failed XADD leaves it pending for a retry.
void RedisStreamIngest::dead_letter(const broker::StreamEntry& entry, const api::IngestResult& result) {
  const std::string max_length = std::to_string(options_.dead_letter_max_length);
  const std::string code = std::to_string(result.code);
  std::vector<std::string_view> args{"XADD",     options_.dead_letter_stream,
                                     "MAXLEN",   "~",
                                     max_length, "*",
                                     "entry",    entry.id,
                                     "error",    result.detail,
                                     "code",     code};
  for (const auto& [name, value] : entry.fields) {
    if (name == "entry" || name == "error" || name == "code") continue;
    args.push_back(name);
    args.push_back(value);
  }
  connection_->send(args, [this, id = entry.id](const redisReply* reply) {
    if (!reply) return;
    if (is_error(reply)) {
      counters_.redis_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("ingest: XADD to the dead-letter stream {} failed: {}", options_.dead_letter_stream,
                   as_view(*reply));
      if (!retry_scheduled_) {
        retry_scheduled_ = true;
        retry_at_ = Clock::now() + options_.retry_delay;
      }
      return;
    }
    counters_.dead_letters.fetch_add(1, std::memory_order_relaxed);
    acknowledge({id});
  });
}

void RedisStreamIngest::acknowledge(const std::vector<std::string>& ids) {
  if (ids.empty()) return;
  std::vector<std::string_view> args{"XACK", options_.stream, options_.group};
  args.insert(args.end(), ids.begin(), ids.end());
  // Not waited for: the next read follows on the same connection, so Redis has applied the
  // acknowledgement before it. A lost XACK only means a redelivery, which the idempotency
  // key absorbs.
  connection_->send(args, [this](const redisReply* reply) {
    if (!is_error(reply)) return;
    counters_.redis_errors.fetch_add(1, std::memory_order_relaxed);
    if (error_log_.admit(Clock::now())) spdlog::warn("ingest: XACK failed: {}", as_view(*reply));
  });
}

// ---------------------------------------------------------------------------------------
// Metrics

void RedisStreamIngest::write_metrics(PrometheusWriter& w) const {
  using Type = PrometheusWriter::Type;
  auto load = [](const std::atomic<uint64_t>& v) { return v.load(std::memory_order_relaxed); };
  w.family("wshub_redis_ingest_connected", Type::gauge,
           "1 when the Redis stream consumer is connected and its group exists.");
  w.sample({}, uint64_t{connected() ? 1u : 0u});
  w.counter("wshub_redis_ingest_published_total",
            "Stream entries published and acknowledged (the broker accepted the publication).",
            load(counters_.published));
  w.counter("wshub_redis_ingest_rejected_total",
            "Stream entries that could not be published (malformed, refused channel), acknowledged.",
            load(counters_.rejected));
  w.counter("wshub_redis_ingest_retries_total",
            "Publications refused with `unavailable`, left pending and tried again.",
            load(counters_.retries));
  w.counter("wshub_redis_ingest_claimed_total",
            "Entries taken over (XAUTOCLAIM) from consumers that held them longer than claim_idle.",
            load(counters_.claimed));
  w.counter("wshub_redis_ingest_dead_letters_total", "Rejected entries copied to the dead-letter stream.",
            load(counters_.dead_letters));
  w.counter("wshub_redis_ingest_redis_errors_total", "Stream commands that Redis answered with an error.",
            load(counters_.redis_errors));
}

}  // namespace wshub::server
