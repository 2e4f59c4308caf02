#include "broker/MemoryBroker.h"

#include <mutex>
#include <utility>

#include "broker/MemoryShard.h"
#include "hub/ErrorCode.h"

namespace wshub::broker {

template <typename T>
bool MemoryBroker::refuse_stopped(hub::Completion<T>& done) const {
  if (!stopped_.load(std::memory_order_acquire)) return false;
  if (done) done(hub::Error{hub::code(hub::ErrorCode::unavailable), "broker shut down"});
  return true;
}

MemoryBroker::MemoryBroker(Options options) : options_(std::move(options)) {
  for (auto& shard : shards_) {
    shard = std::make_unique<MemoryShard>(options_.max_idempotency_keys_per_shard, options_.sweep_interval);
  }
}

MemoryBroker::~MemoryBroker() = default;

MemoryShard& MemoryBroker::shard_for(const std::string& channel) const {
  // The map inside a shard hashes the name again; the upper bits pick the shard so the two
  // uses of one hash do not correlate.
  const size_t hash = std::hash<std::string>{}(channel);
  return *shards_[((hash >> 32) ^ hash) % kShards];
}

void MemoryBroker::set_event_handler(hub::BrokerEventHandler* handler) {
  handler_.store(handler, std::memory_order_release);
}

void MemoryBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  MemoryShard& shard = shard_for(channel);
  {
    std::lock_guard lock(shard.mutex());
    shard.find_or_create(channel).subscribed = true;
  }
  if (done) done(hub::Unit{});
}

void MemoryBroker::unsubscribe(const std::string& channel) {
  MemoryShard& shard = shard_for(channel);
  std::lock_guard lock(shard.mutex());
  if (ChannelState* state = shard.find(channel)) {
    state->subscribed = false;
    shard.release_if_empty(channel, state);
  }
}

void MemoryBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                           hub::Completion<hub::StreamPosition> done) {
  if (refuse_stopped(done)) return;
  const Clock::time_point now = options_.now();
  // Allocated before the lock; only the offset is written under it.
  auto owned = std::make_shared<hub::Publication>(std::move(publication));
  MemoryShard& shard = shard_for(owned->channel);
  hub::StreamPosition position;
  {
    std::lock_guard lock(shard.mutex());
    shard.maybe_sweep(now);
    position = publish_locked(shard, std::move(owned), options, now);
  }
  if (done) done(std::move(position));
}

hub::StreamPosition MemoryBroker::publish_locked(MemoryShard& shard,
                                                 std::shared_ptr<hub::Publication> publication,
                                                 const hub::PublishOptions& options, Clock::time_point now) {
  const std::string& channel = publication->channel;
  const bool idempotent = !options.idempotency_key.empty() && options.idempotency_window.count() > 0;
  if (idempotent) {
    if (const hub::StreamPosition* first = shard.idempotency().find(channel, options.idempotency_key, now)) {
      return *first;  // a retry: the first publish already stored and delivered it
    }
  }

  hub::StreamPosition position;
  ChannelState* state = nullptr;
  MemoryHistory* history = nullptr;
  if (options.history.size > 0) {
    state = &shard.find_or_create(channel);
    history = &shard.live_history(*state, options.history, now, epochs_);
    publication->offset = history->next_offset();
    publication->epoch = history->epoch();
    position = {publication->offset, history->epoch()};
  } else {
    state = shard.find(channel);
    publication->offset = 0;
  }
  // Immutable from here on; `channel` stays valid as long as `frozen` lives.
  const hub::PublicationPtr frozen = std::move(publication);
  if (history != nullptr) history->append(frozen, now);

  // Still under the lock: this is what orders a channel's deliveries (see the header).
  if (state != nullptr && state->subscribed) {
    if (hub::BrokerEventHandler* handler = this->handler()) handler->on_publication(frozen);
  }
  if (idempotent) {
    shard.idempotency().insert(channel, options.idempotency_key, position,
                               deadline_after(now, options.idempotency_window), now);
  }
  return position;
}

void MemoryBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  MemoryShard& shard = shard_for(channel);
  std::lock_guard lock(shard.mutex());
  const ChannelState* state = shard.find(channel);
  if (state == nullptr || !state->subscribed) return;
  if (hub::BrokerEventHandler* handler = this->handler()) handler->on_join(channel, client);
}

void MemoryBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  MemoryShard& shard = shard_for(channel);
  std::lock_guard lock(shard.mutex());
  const ChannelState* state = shard.find(channel);
  if (state == nullptr || !state->subscribed) return;
  if (hub::BrokerEventHandler* handler = this->handler()) handler->on_leave(channel, client);
}

void MemoryBroker::send_to_user(const std::string& user, hub::Publication message,
                                hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  // No channel, so no lock: messages to one user are ordered per calling thread only.
  message.channel.clear();
  message.offset = 0;
  if (hub::BrokerEventHandler* handler = this->handler()) {
    handler->on_user_message(user, std::make_shared<const hub::Publication>(std::move(message)));
  }
  if (done) done(hub::Unit{});
}

void MemoryBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  if (hub::BrokerEventHandler* handler = this->handler()) handler->on_user_command(command);
  if (done) done(hub::Unit{});
}

void MemoryBroker::history(const std::string& channel, const hub::HistoryFilter& filter,
                           const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) {
  if (refuse_stopped(done)) return;
  hub::HistoryResult result;  // without history: {0, ""}, nothing, not available
  if (options.size > 0) {
    const Clock::time_point now = options_.now();
    MemoryShard& shard = shard_for(channel);
    std::lock_guard lock(shard.mutex());
    shard.maybe_sweep(now);
    ChannelState& state = shard.find_or_create(channel);
    result = shard.live_history(state, options, now, epochs_).read(filter);
  }
  if (done) done(std::move(result));
}

void MemoryBroker::remove_history(const std::string& channel, hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  MemoryShard& shard = shard_for(channel);
  {
    std::lock_guard lock(shard.mutex());
    if (ChannelState* state = shard.find(channel)) {
      state->history.reset();
      shard.release_if_empty(channel, state);
    }
  }
  if (done) done(hub::Unit{});
}

void MemoryBroker::add_presence(const std::string& channel, const hub::ClientInfo& client,
                                std::chrono::milliseconds ttl, hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  const Clock::time_point now = options_.now();
  MemoryShard& shard = shard_for(channel);
  {
    std::lock_guard lock(shard.mutex());
    shard.maybe_sweep(now);
    shard.find_or_create(channel).presence.add(client, deadline_after(now, ttl));
  }
  if (done) done(hub::Unit{});
}

void MemoryBroker::remove_presence(const std::string& channel, const std::string& client_id,
                                   hub::Completion<hub::Unit> done) {
  if (refuse_stopped(done)) return;
  MemoryShard& shard = shard_for(channel);
  {
    std::lock_guard lock(shard.mutex());
    if (ChannelState* state = shard.find(channel)) {
      state->presence.remove(client_id);
      shard.release_if_empty(channel, state);
    }
  }
  if (done) done(hub::Unit{});
}

void MemoryBroker::presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) {
  if (refuse_stopped(done)) return;
  const Clock::time_point now = options_.now();
  MemoryShard& shard = shard_for(channel);
  std::vector<hub::ClientInfo> clients;
  {
    std::lock_guard lock(shard.mutex());
    shard.maybe_sweep(now);
    if (ChannelState* state = shard.find(channel)) {
      state->presence.expire(now);
      clients = state->presence.list();
      shard.release_if_empty(channel, state);
    }
  }
  if (done) done(std::move(clients));
}

void MemoryBroker::presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) {
  if (refuse_stopped(done)) return;
  const Clock::time_point now = options_.now();
  MemoryShard& shard = shard_for(channel);
  hub::PresenceStats stats;
  {
    std::lock_guard lock(shard.mutex());
    shard.maybe_sweep(now);
    if (ChannelState* state = shard.find(channel)) {
      state->presence.expire(now);
      stats = state->presence.stats();
      shard.release_if_empty(channel, state);
    }
  }
  if (done) done(stats);
}

void MemoryBroker::sweep() {
  const Clock::time_point now = options_.now();
  for (auto& shard : shards_) {
    std::lock_guard lock(shard->mutex());
    shard->sweep(now);
  }
}

size_t MemoryBroker::channel_count() const {
  size_t count = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex());
    count += shard->channel_count();
  }
  return count;
}

size_t MemoryBroker::idempotency_key_count() const {
  size_t count = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard->mutex());
    count += shard->idempotency().size();
  }
  return count;
}

}  // namespace wshub::broker
