#pragma once
// The seam between the hub and the engine that carries publications between nodes and
// keeps history and presence (centrifuge's Broker + PresenceManager, merged). The memory
// implementation (broker/MemoryBroker) is the embedded default and the reference
// behaviour; Redis and NATS implementations (the cluster) must pass the same
// conformance suite (tests/unit/broker/broker_conformance_test.cpp).
//
// The interface lives in the hub, which uses it, and the implementations in src/broker/,
// above it: the hub never includes a broker (dependency inversion keeps the layering).
//
// Contract:
//  * Every method may be called from any thread. Completions run exactly once, on any
//    thread, possibly before the call returns; the caller moves the result to its own
//    loop. No method blocks on the network.
//  * Errors are values: a Result with an ErrorCode (`unavailable` when the backing
//    service is down, never a silent drop).
//  * Subscriptions are per node, not per client: the hub subscribes a channel when its
//    first local subscriber arrives and unsubscribes when the last one leaves.
//  * Ordering: for one channel, on_publication is called in offset order and never
//    concurrently with itself. A publication whose publish() completed successfully is
//    in history (when the channel keeps history) before on_publication runs for it, so
//    a subscriber that registers first and reads history second misses nothing (the
//    hub drops what it receives twice by offset).
//  * History: offsets start at 1 and increase by one per publication to a channel with
//    history. The epoch changes whenever continuity is lost (restart of an in-memory
//    broker, a stream expired or removed).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/Publication.h"
#include "hub/Result.h"

namespace wshub::hub {

template <typename T>
using Completion = std::function<void(Result<T>)>;

// A namespace's history settings, passed with every call that touches a stream.
struct HistoryOptions {
  size_t size = 0;                    // publications kept; 0: no history (offset stays 0)
  std::chrono::milliseconds ttl{0};   // a publication older than this is gone; 0: forever
  std::chrono::milliseconds meta_ttl{std::chrono::hours(24)};  // idle stream forgotten (new epoch)
};

struct PublishOptions {
  HistoryOptions history;
  // A retry with the same key within `idempotency_window` returns the first result and
  // publishes nothing (back-ends retry; nothing is lost and nothing doubled).
  std::string idempotency_key;
  std::chrono::milliseconds idempotency_window{std::chrono::minutes(5)};
};

struct HistoryFilter {
  static constexpr size_t kNoLimit = static_cast<size_t>(-1);
  // Publications after this position (oldest first), or from the oldest kept when absent.
  std::optional<StreamPosition> since;
  size_t limit = 0;  // 0: only the current position, no publications
  bool reverse = false;  // newest first (ignored with `since`)
};

struct HistoryResult {
  StreamPosition position;  // the channel's current top: last offset and epoch
  std::vector<PublicationPtr> publications;
  // With `since`: true when `since` is in the current epoch and nothing after it was
  // trimmed, i.e. `publications` (up to the limit) continue it with no gap.
  bool since_available = false;
};

struct PresenceStats {
  size_t num_clients = 0;
  size_t num_users = 0;
};

// A server-side action on every connection of a user, wherever it is connected (the
// server API's subscribe, unsubscribe and disconnect). Travels like send_to_user.
struct UserCommand {
  enum class Kind : uint8_t { subscribe, unsubscribe, disconnect };
  Kind kind = Kind::subscribe;
  std::string user;
  std::string channel;      // subscribe, unsubscribe
  uint16_t code = 4000;     // disconnect: close code (4000-4999)
  std::string reason;       // disconnect
  bool reconnect = false;   // disconnect: advice given to the client
};

// What a broker delivers to its node. Called on broker-owned or caller threads; the hub
// forwards to workers through their queues and never blocks here.
class BrokerEventHandler {
 public:
  virtual ~BrokerEventHandler() = default;
  virtual void on_publication(const PublicationPtr& publication) = 0;
  virtual void on_join(std::string_view channel, const ClientInfo& client) = 0;
  virtual void on_leave(std::string_view channel, const ClientInfo& client) = 0;
  // A message for every connection of `user` on this node (channel is empty).
  virtual void on_user_message(std::string_view user, const PublicationPtr& message) = 0;
  // A server-side action for every connection of command.user on this node.
  virtual void on_user_command(const UserCommand& command) = 0;
  // The broker lost its subscriptions for a while (a network broker reconnected and has
  // re-subscribed every channel): publications, joins and leaves of that time may be
  // missing on this node. Called once the subscriptions are back in place; the hub tells
  // the affected clients to reconnect and recover. The memory broker never calls it.
  virtual void on_subscriptions_interrupted() {}
};

class Broker {
 public:
  virtual ~Broker() = default;

  // Before any other call. The handler outlives the broker's use of it.
  virtual void set_event_handler(BrokerEventHandler* handler) = 0;

  // Node-level interest in a channel's publications, joins and leaves.
  virtual void subscribe(const std::string& channel, Completion<Unit> done) = 0;
  virtual void unsubscribe(const std::string& channel) = 0;

  // Assigns the offset (when the channel keeps history), appends to history, then
  // delivers to every subscribed node. Completes with the publication's position.
  virtual void publish(Publication publication, const PublishOptions& options,
                       Completion<StreamPosition> done) = 0;
  virtual void publish_join(const std::string& channel, const ClientInfo& client) = 0;
  virtual void publish_leave(const std::string& channel, const ClientInfo& client) = 0;
  // Delivers to the user's connections on every node (no history). `done` (may be empty)
  // completes once the message is on its way to every node (a network broker: the backing
  // service acknowledged it), or with `unavailable` when it cannot be sent: never a silent
  // drop. Success says nothing about whether the user had connections.
  virtual void send_to_user(const std::string& user, Publication message, Completion<Unit> done) = 0;
  // Delivers `command` to every node (on_user_command), ordered with send_to_user per
  // calling thread; `done` as for send_to_user.
  virtual void send_user_command(const UserCommand& command, Completion<Unit> done) = 0;

  virtual void history(const std::string& channel, const HistoryFilter& filter,
                       const HistoryOptions& options, Completion<HistoryResult> done) = 0;
  virtual void remove_history(const std::string& channel, Completion<Unit> done) = 0;

  // Presence: (client, user, info) per channel. Entries added with a TTL expire unless
  // re-added (a crashed node's clients disappear); remove_presence is the normal exit.
  virtual void add_presence(const std::string& channel, const ClientInfo& client,
                            std::chrono::milliseconds ttl, Completion<Unit> done) = 0;
  virtual void remove_presence(const std::string& channel, const std::string& client_id,
                               Completion<Unit> done) = 0;
  virtual void presence(const std::string& channel, Completion<std::vector<ClientInfo>> done) = 0;
  virtual void presence_stats(const std::string& channel, Completion<PresenceStats> done) = 0;

  // Whether the backing service is reachable right now (/readyz, metrics). An in-memory
  // broker always is; a network broker answers from its connection state, without I/O.
  virtual bool connected() const { return true; }

  // Stops background work (threads, reconnect timers) before the node is destroyed.
  // Calls after shutdown complete with `unavailable`. Idempotent.
  virtual void shutdown() {}
};

}  // namespace wshub::hub
