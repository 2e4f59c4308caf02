#pragma once
// NATS for delivery, Redis for what NATS cannot keep (broker.type = "nats" with
// broker.store = "redis"; docs/clustering.md, "NATS"). Both inner brokers deliver to the
// same event handler.
//
// Routing, by what each call needs:
//  * publish() of a channel that keeps history (options.history.size > 0) goes entirely
//    through Redis: its script assigns the offset, appends to history and PUBLISHes, so
//    offsets, "in history before delivered" and offset order across nodes hold exactly as
//    with the Redis broker. Every other publish goes over NATS (offset 0).
//  * history, remove_history and presence: Redis.
//  * joins, leaves, user messages and user commands: NATS.
//  * subscribe: both (a channel's publications may come from either), completing when both
//    did; unsubscribe: both.
//
// Ordering: a channel's publications come from one inner broker only, because whether a
// channel keeps history is a property of its namespace (the same on every node), so
// on_publication keeps each inner broker's guarantee and is never concurrent with itself.
// Joins and leaves travel on NATS apart from Redis-carried publications: their order
// relative to those publications is not kept (it is not part of the contract).
//
// connected() needs both; a reconnect of either reports on_subscriptions_interrupted.
#include <memory>

#include "broker/NatsBroker.h"
#include "broker/RedisBroker.h"
#include "hub/Broker.h"

namespace wshub::broker {

class NatsRedisBroker final : public hub::Broker {
 public:
  NatsRedisBroker(std::unique_ptr<NatsBroker> nats, std::unique_ptr<RedisBroker> redis);
  ~NatsRedisBroker() override;

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

  // The Redis side, for what keeps cluster state there too (the node registry).
  RedisBroker& store() { return *redis_; }

 private:
  std::unique_ptr<NatsBroker> nats_;
  std::unique_ptr<RedisBroker> redis_;
};

}  // namespace wshub::broker
