#include "broker/MeteredBroker.h"

namespace wshub::broker {

std::string_view operation_name(BrokerOperation operation) {
  switch (operation) {
    case BrokerOperation::subscribe: return "subscribe";
    case BrokerOperation::unsubscribe: return "unsubscribe";
    case BrokerOperation::publish: return "publish";
    case BrokerOperation::publish_join: return "publish_join";
    case BrokerOperation::publish_leave: return "publish_leave";
    case BrokerOperation::send_to_user: return "send_to_user";
    case BrokerOperation::send_user_command: return "send_user_command";
    case BrokerOperation::history: return "history";
    case BrokerOperation::remove_history: return "remove_history";
    case BrokerOperation::add_presence: return "add_presence";
    case BrokerOperation::remove_presence: return "remove_presence";
    case BrokerOperation::presence: return "presence";
    case BrokerOperation::presence_stats: return "presence_stats";
  }
  return "unknown";
}

bool operation_completes(BrokerOperation operation) {
  switch (operation) {
    case BrokerOperation::unsubscribe:
    case BrokerOperation::publish_join:
    case BrokerOperation::publish_leave:
      return false;
    default:
      return true;
  }
}

MeteredBroker::OperationStats MeteredBroker::stats(BrokerOperation operation) const {
  const Meter& m = meters_[static_cast<size_t>(operation)];
  OperationStats out;
  out.calls = m.calls.get();
  out.errors = m.errors.get();
  for (const Stripe& stripe : m.latency) stripe.latency.add_to(out.latency);
  return out;
}

template <typename T>
hub::Completion<T> MeteredBroker::timed(BrokerOperation operation, hub::Completion<T> done) {
  Meter& m = meter(operation);
  m.calls.add();
  auto started = std::chrono::steady_clock::now();
  // The completion may run on any thread, possibly before the call returns.
  return [&m, started, done = std::move(done)](hub::Result<T> result) {
    m.latency[hub::thread_stripe(hub::StripedCounter::kStripes)].latency.observe_shared(
        std::chrono::steady_clock::now() - started);
    if (!result.ok()) m.errors.add();
    done(std::move(result));
  };
}

void MeteredBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  inner_->subscribe(channel, timed(BrokerOperation::subscribe, std::move(done)));
}

void MeteredBroker::unsubscribe(const std::string& channel) {
  meter(BrokerOperation::unsubscribe).calls.add();
  inner_->unsubscribe(channel);
}

void MeteredBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                            hub::Completion<hub::StreamPosition> done) {
  inner_->publish(std::move(publication), options, timed(BrokerOperation::publish, std::move(done)));
}

void MeteredBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  meter(BrokerOperation::publish_join).calls.add();
  inner_->publish_join(channel, client);
}

void MeteredBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  meter(BrokerOperation::publish_leave).calls.add();
  inner_->publish_leave(channel, client);
}

void MeteredBroker::send_to_user(const std::string& user, hub::Publication message,
                                 hub::Completion<hub::Unit> done) {
  if (!done) done = [](hub::Result<hub::Unit>) {};  // still timed and its failures counted
  inner_->send_to_user(user, std::move(message), timed(BrokerOperation::send_to_user, std::move(done)));
}

void MeteredBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  if (!done) done = [](hub::Result<hub::Unit>) {};
  inner_->send_user_command(command, timed(BrokerOperation::send_user_command, std::move(done)));
}

void MeteredBroker::history(const std::string& channel, const hub::HistoryFilter& filter,
                            const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) {
  inner_->history(channel, filter, options, timed(BrokerOperation::history, std::move(done)));
}

void MeteredBroker::remove_history(const std::string& channel, hub::Completion<hub::Unit> done) {
  inner_->remove_history(channel, timed(BrokerOperation::remove_history, std::move(done)));
}

void MeteredBroker::add_presence(const std::string& channel, const hub::ClientInfo& client,
                                 std::chrono::milliseconds ttl, hub::Completion<hub::Unit> done) {
  inner_->add_presence(channel, client, ttl, timed(BrokerOperation::add_presence, std::move(done)));
}

void MeteredBroker::remove_presence(const std::string& channel, const std::string& client_id,
                                    hub::Completion<hub::Unit> done) {
  inner_->remove_presence(channel, client_id, timed(BrokerOperation::remove_presence, std::move(done)));
}

void MeteredBroker::presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) {
  inner_->presence(channel, timed(BrokerOperation::presence, std::move(done)));
}

void MeteredBroker::presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) {
  inner_->presence_stats(channel, timed(BrokerOperation::presence_stats, std::move(done)));
}

}  // namespace wshub::broker
