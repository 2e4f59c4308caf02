#pragma once
// The in-memory broker: the embedded default and the reference behaviour of hub::Broker
// (hub/Broker.h has the contract; tests/unit/broker/broker_conformance_test.cpp checks it for
// every implementation). One process, no network: every completion runs synchronously, before
// the method returns, after the broker has released its lock (no user callback but the event
// handler ever runs under a broker lock).
//
// Locking: 64 shards, by hash of the channel name, each with its own mutex and its own map
// channel -> state (stream, presence, node subscription; MemoryShard.h). Worker threads of one
// process publish to different channels in parallel, so one global lock would serialise the
// whole node; a lock per channel would cost a mutex per channel and still need a map lock to
// find it. 64 shards make contention between two busy channels a 1-in-64 event on a machine
// with far fewer cores, at a fixed cost of 64 mutexes.
//
// Ordering: publish() assigns the offset, appends to the stream and calls
// handler->on_publication, all under the channel's shard lock. So, per channel, the handler
// sees publications in offset order and never runs concurrently with itself (two workers
// publishing to one channel are serialised by the lock, not by the handler), and a publication
// is in history before it is delivered, as the contract requires. publish_join/publish_leave
// deliver under the same lock, ordered with the publications. The price is a rule for
// handlers: an event handler must not call back into the broker synchronously (the shard mutex
// is not recursive; the hub never does, it only enqueues).
//
// STYLE.md wants no mutex on a per-message path; this lock is the deliberate exception, and it
// is held per publication, never per delivery, per connection or per received frame: the hub's
// handler fans out by pushing one reference-counted pointer onto each worker's lock-free queue,
// so the critical section is an offset increment, a ring append and a few queue pushes. It is
// what a cross-worker order costs in one process (a Redis broker pays a round trip instead).
//
// Decisions where the contract leaves room. [all] marks what the conformance suite checks for
// every broker (Redis and NATS must match); the rest is memory-specific (memory_broker_test).
//  * [all] A channel without history (options.history.size == 0) has no stream: publish
//    returns {0, ""} (offset 0, empty epoch), stores nothing and still delivers; history()
//    returns {0, ""}, no publications and since_available == false (nothing can be recovered).
//    A stream left from an earlier configuration is ignored, and expires by its meta_ttl.
//  * [all] history() with size > 0 on a channel never published to creates the stream:
//    position {0, epoch}, and the same epoch is returned by later reads and by the first
//    publish (offset 1). A client that subscribed to a quiet channel can therefore recover with
//    {0, epoch}. Like a publish, a history read is activity: it keeps the stream from being
//    forgotten.
//  * [all] remove_history forgets the stream: the next publish or read starts a new epoch.
//  * [all] A publication's TTL runs from its own publish time.
//  * [all] Idempotency: a key is remembered per (channel, key) for idempotency_window, also for
//    channels without history (the retry returns {0, ""} and is not delivered again). A window
//    of 0 remembers nothing. At most `max_idempotency_keys_per_shard` keys per shard, oldest
//    evicted first.
//  * [all] Presence stats count distinct non-empty users (anonymous clients are clients, not
//    users). Presence TTL 0 means "until removed".
//  * meta_ttl 0 means "never forget" (like ttl 0: "keep forever").
//  * The size and TTL of the latest call apply to every kept publication (lowering the size
//    trims at once).
//  * With `since` in another epoch, since_available is false and the publications start at the
//    oldest kept (the old offset means nothing); see MemoryHistory::read.
//  * Subscriptions are a set per node, not a count: subscribing twice then unsubscribing once
//    unsubscribes (the hub counts its local subscribers).
//  * send_to_user always delivers (no subscription needed), with channel cleared and offset 0.
//  * The memory broker never fails until shutdown(): every completion carries a value.
//
// Memory: a channel with no stream, no presence and no subscription has no entry. Operations
// that empty a channel erase it at once; what expires unobserved (a stream past meta_ttl,
// presence past its TTL, publications past their TTL, idempotency keys) is dropped lazily when
// touched and by a sweep of a shard, run by the first operation on that shard after
// `sweep_interval` (O(channels of the shard) under its lock, once per interval) or by sweep().
// An idle broker therefore keeps expired state until the next operation or sweep() call.
//
// Time comes from an injectable clock (Options::now), so TTL tests need not sleep.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "broker/Deadline.h"
#include "broker/EpochSource.h"
#include "hub/Broker.h"

namespace wshub::broker {

class MemoryShard;

struct MemoryBrokerOptions {
  // Called on any thread, outside broker locks, at most once per operation; must be monotonic.
  std::function<Clock::time_point()> now = [] { return Clock::now(); };
  // About 250 bytes per key (measured: 20-byte keys on a short channel name), so a full shard
  // holds 25 MB; reached only by 100,000 keyed publishes to one shard within one window.
  size_t max_idempotency_keys_per_shard = 100'000;
  std::chrono::milliseconds sweep_interval{std::chrono::seconds(1)};
};

class MemoryBroker final : public hub::Broker {
 public:
  using Options = MemoryBrokerOptions;
  static constexpr size_t kShards = 64;

  explicit MemoryBroker(Options options = {});
  ~MemoryBroker() override;
  MemoryBroker(const MemoryBroker&) = delete;
  MemoryBroker& operator=(const MemoryBroker&) = delete;

  void set_event_handler(hub::BrokerEventHandler* handler) override;

  void subscribe(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void unsubscribe(const std::string& channel) override;

  void publish(hub::Publication publication, const hub::PublishOptions& options,
               hub::Completion<hub::StreamPosition> done) override;
  void publish_join(const std::string& channel, const hub::ClientInfo& client) override;
  void publish_leave(const std::string& channel, const hub::ClientInfo& client) override;
  void send_to_user(const std::string& user, hub::Publication message,
                    hub::Completion<hub::Unit> done) override;
  void send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) override;

  void history(const std::string& channel, const hub::HistoryFilter& filter,
               const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) override;
  void remove_history(const std::string& channel, hub::Completion<hub::Unit> done) override;

  void add_presence(const std::string& channel, const hub::ClientInfo& client, std::chrono::milliseconds ttl,
                    hub::Completion<hub::Unit> done) override;
  void remove_presence(const std::string& channel, const std::string& client_id,
                       hub::Completion<hub::Unit> done) override;
  void presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) override;
  void presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) override;
  // After it, every call with a completion completes with `unavailable` (the contract's rule,
  // which the conformance suite checks for every broker).
  void shutdown() override { stopped_.store(true, std::memory_order_release); }

  // Sweeps every shard now (a server may call it from a timer; tests call it after moving
  // their clock).
  void sweep();
  // Channels with any state (stream, presence or subscription), over all shards.
  size_t channel_count() const;
  // Idempotency keys currently remembered, over all shards (expired ones not yet swept count).
  size_t idempotency_key_count() const;

 private:
  MemoryShard& shard_for(const std::string& channel) const;
  hub::StreamPosition publish_locked(MemoryShard& shard, std::shared_ptr<hub::Publication> publication,
                                     const hub::PublishOptions& options, Clock::time_point now);
  hub::BrokerEventHandler* handler() const { return handler_.load(std::memory_order_acquire); }
  // True (and `done` failed with `unavailable`) after shutdown().
  template <typename T>
  bool refuse_stopped(hub::Completion<T>& done) const;

  Options options_;
  std::atomic<bool> stopped_{false};
  EpochSource epochs_;
  std::atomic<hub::BrokerEventHandler*> handler_{nullptr};
  std::array<std::unique_ptr<MemoryShard>, kShards> shards_;
};

}  // namespace wshub::broker
