#include "broker/RedisRegistryScripts.h"

#include <string>

namespace wshub::broker {
namespace {

constexpr const char* kHeartbeat = R"lua(
local now = now_ms()
local ttl = tonumber(ARGV[2])
local existed = redis.call('EXISTS', KEYS[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - ttl)
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[2], 'updated_at', now)
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return existed
)lua";

constexpr const char* kNodes = R"lua(
local now = now_ms()
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local out = {}
for _, id in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local fields = redis.call('HGETALL', ARGV[1] .. ':node:' .. id)
  if #fields > 0 then out[#out + 1] = fields end
end
return out
)lua";

constexpr const char* kAcquire = R"lua(
local now = now_ms()
local ttl = tonumber(ARGV[2])
-- Counting a connection is a sign of life: a node is live (and its slots count) from its
-- first acquire on, even before its first heartbeat landed.
redis.call('ZADD', KEYS[1], now, ARGV[3])
redis.call('PEXPIRE', KEYS[1], ttl)
local total = 0
for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], now - ttl, '+inf')) do
  total = total + tonumber(redis.call('HGET', ARGV[1] .. ':node:' .. id .. ':users', ARGV[4]) or '0')
end
if total >= tonumber(ARGV[5]) then return 0 end
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
redis.call('PEXPIRE', KEYS[2], ttl)
return 1
)lua";

constexpr const char* kRelease = R"lua(
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
)lua";

constexpr const char* kUsers = R"lua(
if ARGV[2] == '1' then redis.call('DEL', KEYS[1]) end
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
)lua";

constexpr const char* kRemove = R"lua(
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2], KEYS[3])
return 1
)lua";

RedisScript with_clock(const char* name, const char* body) {
  return make_redis_script(name, std::string(kRedisNowFunction) + body);
}

}  // namespace

const RedisScript& redis_registry_heartbeat_script() {
  static const RedisScript script = with_clock("registry_heartbeat", kHeartbeat);
  return script;
}
const RedisScript& redis_registry_nodes_script() {
  static const RedisScript script = with_clock("registry_nodes", kNodes);
  return script;
}
const RedisScript& redis_registry_acquire_script() {
  static const RedisScript script = with_clock("registry_acquire", kAcquire);
  return script;
}
const RedisScript& redis_registry_release_script() {
  static const RedisScript script = make_redis_script("registry_release", kRelease);
  return script;
}
const RedisScript& redis_registry_users_script() {
  static const RedisScript script = make_redis_script("registry_users", kUsers);
  return script;
}
const RedisScript& redis_registry_remove_script() {
  static const RedisScript script = make_redis_script("registry_remove", kRemove);
  return script;
}

}  // namespace wshub::broker
