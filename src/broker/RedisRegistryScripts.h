#pragma once
// The Lua scripts of the Redis node registry (broker/RedisNodeRegistry.h). Keys, under the
// broker's prefix P:
//   P:nodes              zset: node id -> its last heartbeat (Redis' clock, ms)
//   P:node:<id>          hash: the node's figures (hub::NodeStatus), expires after the TTL
//   P:node:<id>:users    hash: user -> connections of that user on the node, same TTL
// A node is live while its zset score is younger than the TTL; reads and checks look only
// at live nodes, so a crashed node stops counting at the TTL even before its keys expire.
#include "broker/RedisScripts.h"

namespace wshub::broker {

// KEYS: nodes, node, users. ARGV: id, ttl ms, then field, value pairs.
// Returns 1 when the node's entry was still there, 0 when it was new or had expired (a
// first heartbeat, a Redis restarted empty, a node cut off longer than the TTL): the node
// then re-uploads its users' counts.
const RedisScript& redis_registry_heartbeat_script();
// KEYS: nodes. ARGV: prefix, ttl ms. Returns one array of field, value pairs per live node.
const RedisScript& redis_registry_nodes_script();
// KEYS: nodes, users (this node's). ARGV: prefix, ttl ms, this node's id, user, limit.
// Returns 1 and counts the connection when the user has fewer than `limit` on all live
// nodes, else 0 and counts nothing: check and count in one atomic step. Also marks this
// node live (its zset score), so its slots count before its first heartbeat.
const RedisScript& redis_registry_acquire_script();
// KEYS: users. ARGV: user. One fewer (the field goes at 0).
const RedisScript& redis_registry_release_script();
// KEYS: users. ARGV: ttl ms, 1 to replace (else add), then user, count pairs (the re-upload).
const RedisScript& redis_registry_users_script();
// KEYS: nodes, node, users. ARGV: id. A clean shutdown's goodbye.
const RedisScript& redis_registry_remove_script();

}  // namespace wshub::broker
