#pragma once
// A Broker that counts and times every call of the Broker it wraps, whatever that one is
// (memory, Redis, NATS): calls, failed completions and the time from the call to its
// completion, per operation. Node wraps its broker in one, and /metrics reads it.
//
// The calls come from every thread (workers, the server API, broker threads), so the
// counts are striped (hub/StripedCounter.h): a thread adds to its own cache line and a
// scrape sums. Timing a call costs two clock reads and wrapping its completion in one
// more std::function (an allocation per call that has a completion: publish, history,
// presence — never per delivery).
#include <array>
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include "hub/Broker.h"
#include "hub/DurationHistogram.h"
#include "hub/StripedCounter.h"

namespace wshub::broker {

enum class BrokerOperation : uint8_t {
  subscribe,
  unsubscribe,
  publish,
  publish_join,
  publish_leave,
  send_to_user,
  send_user_command,
  history,
  remove_history,
  add_presence,
  remove_presence,
  presence,
  presence_stats,
};
inline constexpr size_t kBrokerOperations = 13;

// The label value of an operation in /metrics ("publish", "add_presence", ...).
std::string_view operation_name(BrokerOperation operation);
// Whether the operation has a completion (and so errors and a latency).
bool operation_completes(BrokerOperation operation);

class MeteredBroker final : public hub::Broker {
 public:
  explicit MeteredBroker(std::unique_ptr<hub::Broker> inner) : inner_(std::move(inner)) {}

  struct OperationStats {
    uint64_t calls = 0;
    uint64_t errors = 0;  // completions with an error (unavailable, ...)
    hub::DurationHistogram::Snapshot latency;
  };
  OperationStats stats(BrokerOperation operation) const;
  hub::Broker& inner() { return *inner_; }

  // hub::Broker
  void set_event_handler(hub::BrokerEventHandler* handler) override { inner_->set_event_handler(handler); }
  void subscribe(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void unsubscribe(const std::string& channel) override;
  void publish(hub::Publication publication, const hub::PublishOptions& options,
               hub::Completion<hub::StreamPosition> done) override;
  void publish_join(const std::string& channel, const hub::ClientInfo& client) override;
  void publish_leave(const std::string& channel, const hub::ClientInfo& client) override;
  void send_to_user(const std::string& user, hub::Publication message,
                    hub::Completion<hub::Unit> done) override;
  void send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) override;
  void history(const std::string& channel, const hub::HistoryFilter& filter, const hub::HistoryOptions& options,
               hub::Completion<hub::HistoryResult> done) override;
  void remove_history(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void add_presence(const std::string& channel, const hub::ClientInfo& client, std::chrono::milliseconds ttl,
                    hub::Completion<hub::Unit> done) override;
  void remove_presence(const std::string& channel, const std::string& client_id,
                       hub::Completion<hub::Unit> done) override;
  void presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) override;
  void presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) override;
  bool connected() const override { return inner_->connected(); }
  void shutdown() override { inner_->shutdown(); }

 private:
  struct alignas(64) Stripe {
    hub::DurationHistogram latency;
  };
  struct Meter {
    hub::StripedCounter calls;
    hub::StripedCounter errors;
    std::array<Stripe, hub::StripedCounter::kStripes> latency;
  };
  Meter& meter(BrokerOperation operation) { return meters_[static_cast<size_t>(operation)]; }

  // Counts the call and returns `done` wrapped so that its completion is timed.
  template <typename T>
  hub::Completion<T> timed(BrokerOperation operation, hub::Completion<T> done);

  std::unique_ptr<hub::Broker> inner_;
  std::array<Meter, kBrokerOperations> meters_;
};

}  // namespace wshub::broker
