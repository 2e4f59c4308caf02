#pragma once
// The Lua scripts of the Redis broker. Each runs atomically inside Redis, which is what
// gives the cluster the ordering rules of hub/Broker.h:
//  * publish: idempotency check, offset increment, append to the channel's stream (a zset
//    scored by offset, trimmed to the namespace's size), expiry, and the PUBLISH to the
//    other nodes, in one step. So offsets, history and deliveries can never disagree, and
//    every node receives a channel's publications in offset order.
//  * history: the position (creating the epoch of a quiet channel), what follows `since`
//    or the newest N, with per-publication TTLs checked against the publish time stored in
//    each entry.
//  * presence add/remove/read: a hash client -> encoded client and a zset client -> expiry.
// Scripts are sent with EVALSHA; RedisBroker loads them on connect and falls back to EVAL on
// NOSCRIPT (a SCRIPT FLUSH or a restarted server).
#include <string>

namespace wshub::broker {

struct RedisScript {
  const char* name;
  std::string source;
  std::string sha1;  // hex, as EVALSHA wants it
};

// A script with its SHA1 computed (for scripts kept elsewhere: RedisRegistryScripts).
RedisScript make_redis_script(const char* name, std::string source);
// The Lua function now_ms(): milliseconds from Redis' clock, for a script to prepend.
extern const char* const kRedisNowFunction;

const RedisScript& redis_publish_script();
const RedisScript& redis_history_script();
const RedisScript& redis_presence_add_script();
const RedisScript& redis_presence_remove_script();
const RedisScript& redis_presence_read_script();

}  // namespace wshub::broker
