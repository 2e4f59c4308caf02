#pragma once
// One of the memory broker's fixed partitions (MemoryBroker.h explains why shards): a mutex and
// the state of the channels that hash to it. Every member except mutex() requires the caller
// to hold mutex(); the broker holds it for one whole operation, including the event handler
// call that delivers a publication, which is what orders a channel's deliveries.
//
// A channel has an entry here only while it has something: a stream, presence entries or the
// node's subscription. Operations that may leave an entry empty call release_if_empty(); the
// periodic sweep catches what expired without anyone looking (a stream past meta_ttl, presence
// past its TTL, idempotency keys past their window). So memory follows live channels, not every
// channel ever seen.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "broker/Deadline.h"
#include "broker/EpochSource.h"
#include "broker/IdempotencyCache.h"
#include "broker/MemoryHistory.h"
#include "broker/MemoryPresence.h"

namespace wshub::broker {

struct ChannelState {
  std::optional<MemoryHistory> history;
  MemoryPresence presence;
  bool subscribed = false;

  bool empty() const { return !history && presence.empty() && !subscribed; }
};

class MemoryShard {
 public:
  MemoryShard(size_t idempotency_capacity, Clock::duration sweep_interval)
      : idempotency_(idempotency_capacity), sweep_interval_(sweep_interval) {}
  MemoryShard(const MemoryShard&) = delete;
  MemoryShard& operator=(const MemoryShard&) = delete;

  std::mutex& mutex() { return mutex_; }

  // nullptr when the channel has no state; never creates.
  ChannelState* find(const std::string& channel);
  ChannelState& find_or_create(const std::string& channel);
  // Erases the channel's entry when `state` (its entry, or nullptr) holds nothing.
  void release_if_empty(const std::string& channel, ChannelState* state);

  // The channel's live stream after activity at `now`: created, or replaced with a new epoch
  // when forgotten, else touched. Precondition: options.size > 0.
  MemoryHistory& live_history(ChannelState& state, const hub::HistoryOptions& options, Clock::time_point now,
                              EpochSource& epochs);

  IdempotencyCache& idempotency() { return idempotency_; }

  // Sweeps when sweep_interval has passed since the last sweep: one comparison otherwise.
  void maybe_sweep(Clock::time_point now) {
    if (now >= next_sweep_) sweep(now);
  }
  // Drops every expired thing in the shard and the channel entries left empty. O(channels).
  void sweep(Clock::time_point now);

  size_t channel_count() const { return channels_.size(); }

 private:
  std::mutex mutex_;
  std::unordered_map<std::string, ChannelState> channels_;
  IdempotencyCache idempotency_;
  Clock::duration sweep_interval_;
  Clock::time_point next_sweep_ = Clock::time_point::min();
};

}  // namespace wshub::broker
