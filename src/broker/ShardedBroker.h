#pragma once
// Channels spread over several brokers (one per Redis instance): a composite that routes
// every channel operation to one shard by a consistent hash of the channel name, and
// every user message or user command by a hash of the user.
//
// Why this shape: each shard is a complete RedisBroker (its own connections, scripts,
// reconnects), so the composite holds no state and adds no thread; what one Redis
// guarantees for a channel (offsets, epoch, ordering) holds unchanged because a channel
// lives on exactly one shard.
//
// Placement (stable across nodes and restarts, docs/clustering.md): shard_of() is jump
// consistent hash (Lamping & Veach, 2014) over the 64-bit FNV-1a hash of the name. Every
// node configured with the same ordered address list maps a channel to the same shard.
// Growing the list from N to N+1 moves ~1/(N+1) of the channels, all to the new shard;
// their history stays behind on the old shard, so they start a new epoch there (clients
// recover as after a Redis restart). Reordering the list moves almost everything.
//
// Degradation is per shard: a channel on a shard that is down fails with `unavailable`
// while channels on the other shards keep working. connected() (what /readyz reports) is
// true only while every shard is connected: a node that cannot serve part of the channel
// space is taken out of a load balancer's rotation rather than half-serving.
//
// User messages: every node's shards subscribe their own control channel, so a message
// sent through the user's shard reaches every node exactly once.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "hub/Broker.h"

namespace wshub::broker {

class ShardedBroker final : public hub::Broker {
 public:
  // Precondition: at least one shard. The order is the placement: keep it the same on
  // every node.
  explicit ShardedBroker(std::vector<std::unique_ptr<hub::Broker>> shards);

  // The shard (0..shards-1) that owns `name`; shards > 0.
  static size_t shard_of(std::string_view name, size_t shards);

  size_t shard_count() const { return shards_.size(); }
  // One shard, e.g. shard 0 for what the cluster keeps in one place (a node registry).
  hub::Broker& shard_at(size_t index) { return *shards_.at(index); }

  void set_event_handler(hub::BrokerEventHandler* handler) override;
  void subscribe(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void unsubscribe(const std::string& channel) override;
  void publish(hub::Publication publication, const hub::PublishOptions& options,
               hub::Completion<hub::StreamPosition> done) override;
  void publish_join(const std::string& channel, const hub::ClientInfo& client) override;
  void publish_leave(const std::string& channel, const hub::ClientInfo& client) override;
  void send_to_user(const std::string& user, hub::Publication message, hub::Completion<hub::Unit> done) override;
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
  bool connected() const override;
  void shutdown() override;

 private:
  hub::Broker& shard(std::string_view name) { return *shards_[shard_of(name, shards_.size())]; }

  std::vector<std::unique_ptr<hub::Broker>> shards_;
};

}  // namespace wshub::broker
