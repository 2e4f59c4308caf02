#include "broker/ShardedBroker.h"

#include <cassert>
#include <utility>

namespace wshub::broker {
namespace {

// FNV-1a, 64 bits: fixed by its definition, so every node and every version agrees.
uint64_t fnv1a64(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ull;
  }
  return hash;
}

// Jump consistent hash (Lamping & Veach, "A Fast, Minimal Memory, Consistent Hash
// Algorithm", 2014): growing from n to n+1 buckets moves exactly the keys that land on
// the new bucket, ~1/(n+1) of them; no ring, no memory.
int32_t jump_consistent_hash(uint64_t key, int32_t buckets) {
  int64_t b = -1;
  int64_t j = 0;
  while (j < buckets) {
    b = j;
    key = key * 2862933555777941757ull + 1;
    j = static_cast<int64_t>(static_cast<double>(b + 1) *
                             (static_cast<double>(1ll << 31) / static_cast<double>((key >> 33) + 1)));
  }
  return static_cast<int32_t>(b);
}

}  // namespace

ShardedBroker::ShardedBroker(std::vector<std::unique_ptr<hub::Broker>> shards) : shards_(std::move(shards)) {
  assert(!shards_.empty());
}

size_t ShardedBroker::shard_of(std::string_view name, size_t shards) {
  assert(shards > 0);
  return static_cast<size_t>(jump_consistent_hash(fnv1a64(name), static_cast<int32_t>(shards)));
}

void ShardedBroker::set_event_handler(hub::BrokerEventHandler* handler) {
  // Every shard reports straight to the node: publications, joins and leaves of its
  // channels, user messages of its users, and its own interruptions.
  for (auto& each : shards_) each->set_event_handler(handler);
}

void ShardedBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  shard(channel).subscribe(channel, std::move(done));
}

void ShardedBroker::unsubscribe(const std::string& channel) {
  shard(channel).unsubscribe(channel);
}

void ShardedBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                            hub::Completion<hub::StreamPosition> done) {
  auto& owner = shard(publication.channel);
  owner.publish(std::move(publication), options, std::move(done));
}

void ShardedBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  shard(channel).publish_join(channel, client);
}

void ShardedBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  shard(channel).publish_leave(channel, client);
}

void ShardedBroker::send_to_user(const std::string& user, hub::Publication message,
                                 hub::Completion<hub::Unit> done) {
  shard(user).send_to_user(user, std::move(message), std::move(done));
}

void ShardedBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  // The same shard as the user's messages: ordered with send_to_user per calling thread.
  shard(command.user).send_user_command(command, std::move(done));
}

void ShardedBroker::history(const std::string& channel, const hub::HistoryFilter& filter,
                            const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) {
  shard(channel).history(channel, filter, options, std::move(done));
}

void ShardedBroker::remove_history(const std::string& channel, hub::Completion<hub::Unit> done) {
  shard(channel).remove_history(channel, std::move(done));
}

void ShardedBroker::add_presence(const std::string& channel, const hub::ClientInfo& client,
                                 std::chrono::milliseconds ttl, hub::Completion<hub::Unit> done) {
  shard(channel).add_presence(channel, client, ttl, std::move(done));
}

void ShardedBroker::remove_presence(const std::string& channel, const std::string& client_id,
                                    hub::Completion<hub::Unit> done) {
  shard(channel).remove_presence(channel, client_id, std::move(done));
}

void ShardedBroker::presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) {
  shard(channel).presence(channel, std::move(done));
}

void ShardedBroker::presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) {
  shard(channel).presence_stats(channel, std::move(done));
}

bool ShardedBroker::connected() const {
  for (const auto& each : shards_) {
    if (!each->connected()) return false;
  }
  return true;
}

void ShardedBroker::shutdown() {
  for (auto& each : shards_) each->shutdown();
}

}  // namespace wshub::broker
