#include "broker/NatsRedisBroker.h"

#include <atomic>
#include <mutex>
#include <optional>

namespace wshub::broker {

NatsRedisBroker::NatsRedisBroker(std::unique_ptr<NatsBroker> nats, std::unique_ptr<RedisBroker> redis)
    : nats_(std::move(nats)), redis_(std::move(redis)) {}

NatsRedisBroker::~NatsRedisBroker() {
  shutdown();
}

void NatsRedisBroker::set_event_handler(hub::BrokerEventHandler* handler) {
  nats_->set_event_handler(handler);
  redis_->set_event_handler(handler);
}

// Completes once both inner subscribes did, on whichever thread finished last. When one
// failed, the other is undone: the hub forgets a failed subscription and will not
// unsubscribe it.
void NatsRedisBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  struct Join {
    std::mutex mutex;
    int remaining = 2;
    std::optional<hub::Error> error;
    bool nats_ok = false;
    bool redis_ok = false;
    hub::Completion<hub::Unit> done;
  };
  auto join = std::make_shared<Join>();
  join->done = std::move(done);
  auto finish = [this, join, channel](bool from_nats, hub::Result<hub::Unit> result) {
    bool last = false;
    {
      std::lock_guard lock(join->mutex);
      if (result.ok()) {
        (from_nats ? join->nats_ok : join->redis_ok) = true;
      } else if (!join->error) {
        join->error = result.error();
      }
      last = --join->remaining == 0;
    }
    if (!last) return;
    if (!join->error) return join->done(hub::Unit{});
    if (join->nats_ok) nats_->unsubscribe(channel);
    if (join->redis_ok) redis_->unsubscribe(channel);
    join->done(*join->error);
  };
  nats_->subscribe(channel, [finish](hub::Result<hub::Unit> r) { finish(true, std::move(r)); });
  redis_->subscribe(channel, [finish](hub::Result<hub::Unit> r) { finish(false, std::move(r)); });
}

void NatsRedisBroker::unsubscribe(const std::string& channel) {
  nats_->unsubscribe(channel);
  redis_->unsubscribe(channel);
}

void NatsRedisBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                              hub::Completion<hub::StreamPosition> done) {
  if (options.history.size > 0) return redis_->publish(std::move(publication), options, std::move(done));
  nats_->publish(std::move(publication), options, std::move(done));
}

void NatsRedisBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  nats_->publish_join(channel, client);
}

void NatsRedisBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  nats_->publish_leave(channel, client);
}

void NatsRedisBroker::send_to_user(const std::string& user, hub::Publication message,
                                   hub::Completion<hub::Unit> done) {
  nats_->send_to_user(user, std::move(message), std::move(done));
}

void NatsRedisBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  nats_->send_user_command(command, std::move(done));
}

void NatsRedisBroker::history(const std::string& channel, const hub::HistoryFilter& filter,
                              const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) {
  redis_->history(channel, filter, options, std::move(done));
}

void NatsRedisBroker::remove_history(const std::string& channel, hub::Completion<hub::Unit> done) {
  redis_->remove_history(channel, std::move(done));
}

void NatsRedisBroker::add_presence(const std::string& channel, const hub::ClientInfo& client,
                                   std::chrono::milliseconds ttl, hub::Completion<hub::Unit> done) {
  redis_->add_presence(channel, client, ttl, std::move(done));
}

void NatsRedisBroker::remove_presence(const std::string& channel, const std::string& client_id,
                                      hub::Completion<hub::Unit> done) {
  redis_->remove_presence(channel, client_id, std::move(done));
}

void NatsRedisBroker::presence(const std::string& channel,
                               hub::Completion<std::vector<hub::ClientInfo>> done) {
  redis_->presence(channel, std::move(done));
}

void NatsRedisBroker::presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) {
  redis_->presence_stats(channel, std::move(done));
}

bool NatsRedisBroker::connected() const {
  return nats_->connected() && redis_->connected();
}

void NatsRedisBroker::shutdown() {
  nats_->shutdown();
  redis_->shutdown();
}

}  // namespace wshub::broker
