#pragma once
// The hub's node-wide half, shared by every worker of a process: namespaces, type
// handlers, the broker, and the routing of what the broker delivers to the workers.
//
// Threads: the broker may call the BrokerEventHandler methods from any thread; the hub
// only posts the (shared, immutable) publication to each worker's loop, where the
// WorkerHub fans it out. Per channel the broker calls in offset order and each worker's
// queue is FIFO, so every subscriber on every worker sees a channel in offset order.
//
// Node subscriptions are reference-counted by worker: the broker hears `subscribe` when
// the first worker gains a subscriber to a channel and `unsubscribe` when the last loses
// it. That bookkeeping takes a mutex per subscribe/unsubscribe transition, never per
// message.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hub/Authenticator.h"
#include "hub/Broker.h"
#include "hub/ChannelIndex.h"
#include "hub/ConnectionQuery.h"
#include "hub/ErrorCode.h"
#include "hub/HubOptions.h"
#include "hub/NodeRegistry.h"
#include "hub/StringMap.h"
#include "hub/StripedCounter.h"
#include "hub/TypeHandler.h"
#include "net/ConnectionTable.h"
#include "net/EventLoop.h"

namespace wshub::hub {

class WorkerHub;

class Hub final : public BrokerEventHandler {
 public:
  // `authenticator` may be null: then every token is refused (anonymous access only).
  Hub(HubOptions options, Broker& broker, const Authenticator* authenticator = nullptr);
  ~Hub() override;
  Hub(const Hub&) = delete;
  Hub& operator=(const Hub&) = delete;

  // --- set-up, before the workers run ---
  WorkerHub& add_worker(net::EventLoop& loop);
  // Routes application messages of `type` to `handler` (called on the worker thread).
  void on(std::string type, TypeHandler handler);

  // --- any thread: the server API and the embedding application ---
  // Publishes with the channel's namespace options (history); `done` may run on any thread.
  void publish(Publication publication, Completion<StreamPosition> done,
               std::string idempotency_key = {});
  // `done` (may be empty) as Broker::send_to_user: `unavailable` when the broker could
  // not send it.
  void send_to_user(const std::string& user, Publication message, Completion<Unit> done = {});
  void presence(const std::string& channel, Completion<std::vector<ClientInfo>> done);
  void presence_stats(const std::string& channel, Completion<PresenceStats> done);
  void history(const std::string& channel, const HistoryFilter& filter, Completion<HistoryResult> done);
  void remove_history(const std::string& channel, Completion<Unit> done);
  // Server-side actions on every connection of a user, on every node (through the
  // broker). subscribe waives the namespace's permission checks: the back-end decided.
  // `done` gets unknown_channel for a bad channel, `unavailable` when the broker could not
  // send the command, else Unit once it is on its way (Broker::send_user_command).
  void subscribe_user(const std::string& user, const std::string& channel, Completion<Unit> done);
  void unsubscribe_user(const std::string& user, const std::string& channel, Completion<Unit> done);
  void disconnect_user(const std::string& user, const DisconnectReason& reason, Completion<Unit> done);
  // The channels with subscribers on this node and their subscriber counts, gathered
  // from every worker; `done` runs on a worker thread.
  void channels(Completion<std::vector<ChannelSummary>> done);
  // The open connections on this node that match `query`, gathered from every worker;
  // `done` runs on a worker thread.
  void connections(ConnectionQuery query, Completion<ConnectionList> done);
  // Channels this node is subscribed to at the broker (any thread).
  size_t node_channel_count();
  const std::string& node_id() const { return node_id_; }
  // The namespace options for `channel`, or null for an invalid name or unknown namespace.
  const NamespaceOptions* namespace_for(std::string_view channel) const;

  // Before the workers run: what holds the per-user limit across nodes (null: this node's
  // count only). The registry outlives the hub's use of it.
  void set_node_registry(NodeRegistry* registry) { registry_ = registry; }
  NodeRegistry* node_registry() const { return registry_; }
  // Distinct users with connections on this node (counted while max_connections_per_user
  // is on).
  size_t user_count() const { return user_connections_.key_count(); }

  // --- for workers ---
  const HubOptions& options() const { return options_; }
  // Open connections per user on this node, shared by every worker (a lock per connect
  // and close of an authenticated connection, never per message).
  net::ConnectionTable& user_connections() { return user_connections_; }
  Broker& broker() { return broker_; }
  const Authenticator* authenticator() const { return authenticator_; }
  const TypeHandler* handler_for(std::string_view type) const;
  std::string make_client_id(unsigned worker, uint64_t local_id) const;
  void node_subscribe(const std::string& channel, unsigned worker);
  void node_unsubscribe(const std::string& channel);
  size_t worker_count() const { return workers_.size(); }
  WorkerHub& worker(unsigned i) { return *workers_[i]; }
  uint64_t dropped_posts() const { return dropped_posts_.load(std::memory_order_relaxed); }
  // Publications accepted by publish(), per namespace ("" is the default namespace; a
  // channel of an unconfigured namespace that falls back to it counts there): f(name, n).
  template <typename F>
  void for_each_namespace_publications(F&& f) const {
    for (const auto& counter : namespace_publications_) f(counter->name, counter->publications.get());
  }

  // BrokerEventHandler
  void on_publication(const PublicationPtr& publication) override;
  void on_join(std::string_view channel, const ClientInfo& client) override;
  void on_leave(std::string_view channel, const ClientInfo& client) override;
  void on_user_message(std::string_view user, const PublicationPtr& message) override;
  void on_user_command(const UserCommand& command) override;
  void on_subscriptions_interrupted() override;

 private:
  struct NodeChannel {
    unsigned workers = 0;  // workers with at least one subscriber
    bool ready = false;    // the broker confirmed
    std::vector<unsigned> waiting;  // workers to tell when it confirms
  };
  void post_to(unsigned worker, std::function<void()> task);
  void post_to_all(const std::function<void(WorkerHub&)>& task);
  void on_broker_subscribed(const std::string& channel, Result<Unit> result);

  HubOptions options_;
  net::ConnectionTable user_connections_;  // per user, node-wide: max_connections_per_user
  Broker& broker_;
  NodeRegistry* registry_ = nullptr;
  const Authenticator* authenticator_;
  std::string node_id_;
  std::vector<std::unique_ptr<WorkerHub>> workers_;
  StringMap<TypeHandler> handlers_;
  // Recursive: a broker may complete subscribe() synchronously, inside our call.
  std::recursive_mutex node_mutex_;
  std::unordered_map<std::string, NodeChannel> node_channels_;
  std::atomic<uint64_t> dropped_posts_{0};
  struct NamespacePublications {
    std::string name;
    StripedCounter publications;  // publish() runs on any thread (workers, the API)
  };
  std::vector<std::unique_ptr<NamespacePublications>> namespace_publications_;
  std::unordered_map<const NamespaceOptions*, NamespacePublications*> publications_by_namespace_;
};

}  // namespace wshub::hub
