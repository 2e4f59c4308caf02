#pragma once
// The Redis broker: several wshub nodes share channels, history and presence through one
// Redis server (docs/clustering.md). It implements hub::Broker and passes the same
// conformance suite as the memory broker (tests/unit/broker/broker_conformance*_test.cpp).
//
// Threads: one broker thread per node runs its own event loop (net/EventLoop) with two
// connections (RedisConnection): one for commands (scripts, PUBLISH, DEL), one for pub/sub.
// Callers on any thread encode their value once and queue a task (a bounded MPSC queue);
// the broker thread sends it, and runs the completion when the reply arrives. A worker
// therefore never waits on Redis: a full queue, a lost connection or a reply that takes
// longer than `command_timeout` completes with ErrorCode::unavailable.
//
// Fan-out: each hub channel is one Redis channel (<prefix>:c:<channel>). The node
// SUBSCRIBEs when the hub reports its first local subscriber and UNSUBSCRIBEs when the last
// leaves; the changes of one loop iteration go out as one SUBSCRIBE and one UNSUBSCRIBE
// command. subscribe() completes when Redis confirmed the latest SUBSCRIBE for the channel.
// A publication reaches each subscribed node once, from the publish script's PUBLISH, and
// the hub then fans it out locally (frame once per worker). User messages and user commands
// go over one shared control channel (<prefix>:control) every node subscribes to at start;
// their completion waits for Redis' answer to the PUBLISH, so a caller (the server API)
// knows whether the message left the node.
//
// Ordering: one channel's publications come out of Redis in offset order (the publish
// script assigns the offset and PUBLISHes atomically), arrive over one connection and are
// delivered by the one broker thread, so on_publication is ordered and never concurrent.
// History is written by the same script before the PUBLISH, so it holds everything that
// was delivered.
//
// Presence: entries added with TTL 0 ("until removed", what the hub asks for) are stored
// with `presence_ttl` and re-added by this node every presence_ttl / 3 while it holds them,
// so the entries of a node that died disappear within presence_ttl.
//
// Failure: when a connection drops, everything pending on it completes with `unavailable`,
// calls fail fast while it is down, and it is reconnected with exponential backoff
// (reconnect_min doubling up to reconnect_max). When the pub/sub connection comes back the
// node re-subscribes every channel, and once Redis confirmed, tells the hub through
// BrokerEventHandler::on_subscriptions_interrupted that publications may have been missed.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "broker/EpochSource.h"
#include "broker/RedisConnection.h"
#include "hub/Broker.h"
#include "net/EventLoop.h"
#include "net/MpscQueue.h"

namespace wshub::broker {

struct RedisScript;

struct RedisBrokerOptions {
  std::string address = "127.0.0.1:6379";  // host:port
  std::string password;                    // AUTH when not empty
  int database = 0;                        // SELECT when not 0
  std::string prefix = "wshub";            // of every key and channel name
  std::chrono::milliseconds presence_ttl{std::chrono::seconds(60)};
  std::chrono::milliseconds command_timeout{std::chrono::seconds(2)};
  // How long the constructor waits for the first connection (a node starts even when Redis
  // is down; it then answers `unavailable` until Redis is reachable).
  std::chrono::milliseconds start_timeout{std::chrono::seconds(2)};
  std::chrono::milliseconds reconnect_min{std::chrono::milliseconds(100)};
  std::chrono::milliseconds reconnect_max{std::chrono::seconds(5)};
  size_t queue_capacity = 65536;  // tasks waiting for the broker thread
};

class RedisBroker final : public hub::Broker {
 public:
  using Options = RedisBrokerOptions;

  // Throws std::runtime_error when the address cannot be parsed or resolved (start-up).
  explicit RedisBroker(Options options);
  ~RedisBroker() override;
  RedisBroker(const RedisBroker&) = delete;
  RedisBroker& operator=(const RedisBroker&) = delete;

  void set_event_handler(hub::BrokerEventHandler* handler) override;

  void subscribe(const std::string& channel, hub::Completion<hub::Unit> done) override;
  void unsubscribe(const std::string& channel) override;

  void publish(hub::Publication publication, const hub::PublishOptions& options,
               hub::Completion<hub::StreamPosition> done) override;
  void publish_join(const std::string& channel, const hub::ClientInfo& client) override;
  void publish_leave(const std::string& channel, const hub::ClientInfo& client) override;
  void send_to_user(const std::string& user, hub::Publication message,
                    hub::Completion<hub::Unit> done) override;
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

  bool connected() const override { return connected_.load(std::memory_order_acquire); }
  void shutdown() override;

  // For what shares the broker's command connection (broker/RedisNodeRegistry): runs
  // `script` (EVALSHA, EVAL on NOSCRIPT) on the broker thread. `on_reply` runs once: on
  // the broker thread with the reply, or with null when Redis is unavailable or did not
  // answer within command_timeout (then possibly on the caller's thread, when the queue
  // is full or the broker shut down).
  void eval(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
            RedisConnection::ReplyHandler on_reply);
  const std::string& prefix() const { return options_.prefix; }

 private:
  using Task = std::function<void()>;
  using ReplyHandler = RedisConnection::ReplyHandler;
  struct NodeSubscription {
    bool confirmed = false;
    std::vector<hub::Completion<hub::Unit>> waiters;
  };

  // Any thread: queue `task` for the broker thread; false when full or shut down.
  bool post(Task task);
  void drain();
  void run_loop();
  void on_tick();
  hub::BrokerEventHandler* handler() const { return handler_.load(std::memory_order_acquire); }

  // Broker thread.
  void connect_if_due(RedisConnection& connection, std::chrono::steady_clock::time_point due);
  void settle_start();
  void on_command_ready();
  void on_command_down(const std::string& why);
  void on_pubsub_ready();
  void on_pubsub_down(const std::string& why);
  void on_push(const redisReply& push);
  void on_message(std::string_view redis_channel, std::string_view data);
  void flush_subscription_changes();
  void send_subscribe(const std::vector<std::string>& redis_channels);
  void run_script(const RedisScript& script, std::vector<std::string> keys, std::vector<std::string> args,
                  ReplyHandler handler);
  void fire_and_forget(std::vector<std::string> args, const char* what);
  // PUBLISH on the control channel; `done` once Redis answered (or `unavailable`).
  void publish_control(std::string body, const char* what, hub::Completion<hub::Unit> done);
  void refresh_presence();
  void update_connected();

  // Key and channel names.
  std::string channel_name(const std::string& channel) const;
  std::string key(const char* kind, const std::string& channel) const;

  const Options options_;
  RedisEndpoint endpoint_;
  EpochSource epochs_;
  std::atomic<hub::BrokerEventHandler*> handler_{nullptr};
  std::atomic<bool> stopped_{false};
  std::atomic<bool> connected_{false};
  std::atomic<bool> drain_posted_{false};
  net::MpscQueue<Task> tasks_;
  net::EventLoop loop_;
  net::TimerNode tick_;
  std::thread thread_;
  std::mutex shutdown_mutex_;

  // Start-up handshake between the constructor and the broker thread.
  std::mutex start_mutex_;
  std::condition_variable start_cv_;
  bool start_settled_ = false;

  // Broker thread only.
  std::unique_ptr<RedisConnection> command_;
  std::unique_ptr<RedisConnection> pubsub_;
  std::chrono::steady_clock::time_point command_reconnect_at_{};
  std::chrono::steady_clock::time_point pubsub_reconnect_at_{};
  std::chrono::milliseconds command_backoff_;
  std::chrono::milliseconds pubsub_backoff_;
  std::unordered_map<std::string, NodeSubscription> subscriptions_;  // by hub channel
  std::unordered_map<std::string, int> unconfirmed_subscribes_;      // by Redis channel
  std::vector<std::pair<bool, std::string>> subscription_changes_;   // (subscribe?, hub channel)
  bool pubsub_complete_ = false;      // control channel and every channel confirmed
  bool pubsub_was_ready_ = false;     // a reconnect, not the first connection
  bool resubscribe_pending_ = false;  // waiting for the PING after a re-subscription
  std::chrono::steady_clock::time_point ping_sent_at_{};
  bool ping_outstanding_ = false;
  std::chrono::steady_clock::time_point last_pong_{};
  // Entries this node keeps alive in Redis: channel -> client id -> encoded client.
  std::unordered_map<std::string, std::unordered_map<std::string, std::string>> local_presence_;
  std::chrono::steady_clock::time_point next_presence_refresh_{};
  uint64_t dropped_events_ = 0;
};

}  // namespace wshub::broker
