#pragma once
// The NATS broker: several wshub nodes share channels through one NATS server or cluster
// (docs/clustering.md, "NATS"). NATS core is a publish/subscribe bus with no storage, so
// this broker carries publications, joins, leaves, user messages and user commands, and
// nothing else: history() and presence calls complete with `not_available` (a node keeps
// history and presence in Redis with broker.store = "redis", server/BrokerFactory). It
// passes the conformance suite's delivery tests (tests/unit/broker/broker_conformance*).
//
// Subjects (NatsSubject.h): one per channel, <prefix>.c.<base64url(channel)>, subscribed
// when the hub reports the channel's first local subscriber and unsubscribed when the last
// leaves; one control subject, <prefix>.control, that every node subscribes to at start.
// Messages use the Redis broker's channel and control formats (RedisCodec.h), so both
// brokers decode one format.
//
// Threads. libnats runs its own threads: a reader per connection, one for reconnects, one
// for connection events, and the delivery pool that calls message handlers. This broker
// adds one thread of its own, an event loop (net/EventLoop) through which every write to
// NATS goes: callers on any thread encode once and post a task (bounded: a full queue
// completes with `unavailable`), so a worker never waits on a socket, even when the
// server hangs and libnats' write blocks until its deadline.
//
// Ordering. Every subscription of the process is delivered by one libnats delivery
// thread (the global delivery pool, sized 1, see NatsBroker.cpp): on_publication is never
// concurrent with itself, even across an unsubscribe and a new subscribe of one channel.
// NATS keeps the order of one publisher's messages on one subject, so one node's
// publications to a channel arrive in the order it published them; there is no offset
// (offset 0) and so no order between publishers of different nodes.
//
// subscribe() completes after a round trip (libnats' flush: PING/PONG), so the server has
// the interest before the hub considers the channel subscribed, and publications from any
// node after that reach it.
//
// Failure. libnats reconnects by itself with the backoff given here (reconnect_min
// doubling to reconnect_max) and re-sends every subscription. While the connection is not
// up, calls fail at once with `unavailable` (the status is read before each write; a write
// racing a disconnect goes to libnats' small reconnect buffer or fails). A server that
// stops answering is detected by libnats' pings (two unanswered within command_timeout).
// After a reconnect, once a round trip proved the subscriptions in place, the hub is told
// through on_subscriptions_interrupted (clients get 4502 and recover).
//
// Idempotency keys hold per node (an IdempotencyCache on the broker thread): NATS has no
// shared state to hold them cluster-wide.
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/IdempotencyCache.h"
#include "hub/Broker.h"
#include "net/EventLoop.h"
#include "net/MpscQueue.h"

struct __natsConnection;
struct __natsSubscription;
struct __natsOptions;

namespace wshub::broker {

struct NatsBrokerOptions {
  // One server URL or a comma-separated list ("nats://a:4222,nats://b:4222").
  std::string url = "nats://127.0.0.1:4222";
  std::string user;  // with password: user/password authentication
  std::string password;
  std::string token;             // token authentication (instead of user/password)
  std::string prefix = "wshub";  // of every subject; nodes with the same prefix form a cluster
  // Connect timeout, subscribe round trip, write deadline, and the ping interval is half of it.
  std::chrono::milliseconds command_timeout{std::chrono::seconds(2)};
  // How long the constructor waits for the first connection (a node starts when NATS is
  // down, answers `unavailable` and connects in the background).
  std::chrono::milliseconds start_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds reconnect_min{std::chrono::milliseconds(100)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
  size_t queue_capacity = 65536;          // tasks waiting for the broker thread
  size_t idempotency_capacity = 100'000;  // keys remembered per node
};

class NatsBroker final : public hub::Broker {
 public:
  using Options = NatsBrokerOptions;

  // Throws std::runtime_error for an invalid URL or prefix (start-up). An unreachable
  // server is not an error.
  explicit NatsBroker(Options options);
  ~NatsBroker() override;
  NatsBroker(const NatsBroker&) = delete;
  NatsBroker& operator=(const NatsBroker&) = delete;

  void set_event_handler(hub::BrokerEventHandler* handler) override;

  void subscribe(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void unsubscribe(const std::string& channel) override;

  // Offset 0 always: NATS keeps no history (PublishOptions::history is ignored).
  void publish(hub::Publication publication, const hub::PublishOptions& options,
               hub::Completion<hub::StreamPosition> done) override;
  void publish_join(const std::string& channel, const hub::ClientInfo& client) override;
  void publish_leave(const std::string& channel, const hub::ClientInfo& client) override;
  void send_to_user(const std::string& user, hub::Publication message, hub::Completion<hub::Unit> done) override;
  void send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) override;

  // not_available: see the header comment.
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

  // For libnats' C callbacks (NatsBroker.cpp), not for users: the state shared with
  // libnats' threads, which outlives the broker while a last callback may still run; one
  // libnats subscription and its callback's closure; the reconnect event.
  struct Shared;
  struct Subscription;
  void on_reconnected();

 private:
  using Task = std::function<void()>;
  struct PendingSubscribe {
    std::string channel;
    bool created = false;  // this task made the libnats subscription
    hub::Completion<hub::Unit> done;
  };

  bool post(Task task);
  void drain();
  void run_loop();
  void finish_subscribes();  // iteration hook: one round trip for the subscribes of a pass
  void close_subscription(Subscription* subscription);
  void publish_raw(const std::string& subject, const std::string& data, const char* what);
  void publish_control(std::string data, const char* what, hub::Completion<hub::Unit> done);
  bool up() const;           // broker thread: the connection can take writes now
  void confirm_reconnect();  // broker thread, after libnats reconnected

  const Options options_;
  std::shared_ptr<Shared> shared_;
  __natsConnection* connection_ = nullptr;
  net::EventLoop loop_;
  std::thread thread_;
  std::mutex shutdown_mutex_;
  std::atomic<bool> stopped_{false};
  std::atomic<bool> drain_posted_{false};
  // Our own queue, not only the loop's: tasks still queued at shutdown must run (and fail)
  // so that every completion is called once.
  net::MpscQueue<Task> tasks_;

  // Broker thread only.
  std::unordered_map<std::string, Subscription*> channels_;
  Subscription* control_ = nullptr;
  std::vector<PendingSubscribe> pending_subscribes_;
  IdempotencyCache idempotency_;
  uint64_t dropped_events_ = 0;
};

}  // namespace wshub::broker
