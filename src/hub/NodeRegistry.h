#pragma once
// The seam between a node and what it knows about the other nodes of its cluster: which
// nodes are alive with their figures (the server API's `info`), and how many connections
// each user has across the cluster (limits.max_connections_per_user held cluster-wide).
// Like Broker, the interface lives in the hub, which uses it, and the implementations in
// src/broker/: LocalNodeRegistry (one node: the memory broker, or a broker with no shared
// store) and RedisNodeRegistry (every node heartbeats into Redis).
//
// Contract:
//  * Every method may be called from any thread; completions run exactly once, on any
//    thread, possibly before the call returns. No method blocks on the network.
//  * A node is live while its last heartbeat is younger than the registry's TTL (a few
//    heartbeat periods): a node that died without a word (SIGKILL, power loss) leaves the
//    list, and its users' connections stop counting, within the TTL.
//  * User slots: acquire_user_slot counts one connection of `user` on this node when the
//    user has fewer than `limit` on all live nodes together (true), else counts nothing
//    (false); an error (`unavailable`) means the registry could not tell, and the caller
//    decides (limits.cluster_fail_open). Every `true` is undone by one release_user_slot.
//    The check and the count are one atomic step in the shared store, so two nodes
//    admitting the same user at once cannot both take the last slot.
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hub/Broker.h"
#include "hub/Result.h"

namespace wshub::hub {

// One node's figures, as its heartbeat reported them (`info`, docs/server-api.md).
struct NodeStatus {
  std::string id;
  std::string address;  // where clients reach it: server.advertise_address, or the listener
  std::string version;
  uint64_t uptime_seconds = 0;
  uint64_t connections = 0;   // open WebSocket connections
  uint64_t users = 0;         // distinct authenticated users among them
  uint64_t channels = 0;      // channels with subscribers on the node
  uint64_t messages_in = 0;   // WebSocket messages received
  uint64_t messages_out = 0;  // WebSocket messages sent
  int64_t updated_at_ms = 0;  // Unix milliseconds of the heartbeat (the registry's clock)
};

// The node's current figures; called on any thread, must not block.
using NodeStatusSource = std::function<NodeStatus()>;

class NodeRegistry {
 public:
  virtual ~NodeRegistry() = default;

  // Starts heartbeating: `source` is read every heartbeat period from then on (and for
  // this node's own entry in nodes()). Once, before any other call.
  virtual void start(NodeStatusSource source) = 0;

  // Every live node, this one included (with fresh figures), sorted by id.
  virtual void nodes(Completion<std::vector<NodeStatus>> done) = 0;

  // Whether user slots are shared with other nodes. False: acquire_user_slot always
  // admits, and the node's own per-user count (the hub's) is the whole limit.
  virtual bool shares_user_slots() const = 0;
  virtual void acquire_user_slot(const std::string& user, size_t limit, Completion<bool> done) = 0;
  virtual void release_user_slot(const std::string& user) = 0;

  // Stops the heartbeat. The entry is removed when the store is reachable (a clean
  // shutdown leaves the list at once; a crash leaves it within the TTL). Idempotent.
  virtual void shutdown() {}
};

}  // namespace wshub::hub
