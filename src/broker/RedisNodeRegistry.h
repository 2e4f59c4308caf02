#pragma once
// The node registry of a Redis cluster (hub/NodeRegistry.h has the contract; the keys and
// scripts are in RedisRegistryScripts.h). It rides on the RedisBroker's command connection
// and thread (RedisBroker::eval): no connection of its own, the same reconnects, timeouts
// and `unavailable` answers.
//
// Heartbeat: a thread of its own wakes every `heartbeat` period, reads the node's figures
// from the source and writes them with one script call; the entry lives for `ttl` (three
// periods by default), so a node that stops heartbeating leaves `info` within the TTL.
//
// User slots: this node's count per user lives in Redis (P:node:<id>:users) and expires
// with the node's entry, so a crashed node's connections stop counting within the TTL. The
// node also keeps the counts it holds in memory (a mutex per connect and close of an
// authenticated connection, never per message): when a heartbeat finds its entry gone
// (Redis restarted empty, or the node was cut off longer than the TTL), it uploads them
// again, so the limit holds again from that heartbeat on.
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "hub/NodeRegistry.h"

namespace wshub::broker {

class RedisBroker;

struct RedisNodeRegistryOptions {
  std::string node_id;
  std::chrono::milliseconds heartbeat{std::chrono::seconds(5)};
  std::chrono::milliseconds ttl{std::chrono::seconds(15)};  // several heartbeats
  // How long shutdown() waits for Redis to confirm the removal of the entry.
  std::chrono::milliseconds goodbye_timeout{std::chrono::seconds(1)};
};

class RedisNodeRegistry final : public hub::NodeRegistry {
 public:
  using Options = RedisNodeRegistryOptions;

  // `broker` outlives the registry's use of it: shutdown() the registry first.
  RedisNodeRegistry(RedisBroker& broker, Options options);
  ~RedisNodeRegistry() override;
  RedisNodeRegistry(const RedisNodeRegistry&) = delete;
  RedisNodeRegistry& operator=(const RedisNodeRegistry&) = delete;

  void start(hub::NodeStatusSource source) override;
  void nodes(hub::Completion<std::vector<hub::NodeStatus>> done) override;
  bool shares_user_slots() const override { return true; }
  void acquire_user_slot(const std::string& user, size_t limit, hub::Completion<bool> done) override;
  void release_user_slot(const std::string& user) override;
  void shutdown() override;

  // One heartbeat now (tests; the thread calls it every period).
  void heartbeat();

 private:
  void run();
  void upload_users();
  std::string node_key() const;
  std::string users_key() const;
  std::string nodes_key() const;

  RedisBroker& broker_;
  const Options options_;
  hub::NodeStatusSource source_;
  std::thread thread_;
  std::mutex mutex_;  // stopping_, and the wake-up of the heartbeat thread
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  std::mutex users_mutex_;
  std::unordered_map<std::string, uint32_t> users_;  // slots this node holds in Redis
};

}  // namespace wshub::broker
