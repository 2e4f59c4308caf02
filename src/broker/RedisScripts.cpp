#include "broker/RedisScripts.h"

#include <openssl/sha.h>

#include <cstdio>

namespace wshub::broker {
namespace {

std::string sha1_hex(const std::string& text) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex(2 * SHA_DIGEST_LENGTH, '0');
  static constexpr char kDigits[] = "0123456789abcdef";
  for (size_t i = 0; i < SHA_DIGEST_LENGTH; ++i) {
    hex[2 * i] = kDigits[digest[i] >> 4];
    hex[2 * i + 1] = kDigits[digest[i] & 15];
  }
  return hex;
}

RedisScript make(const char* name, std::string source) {
  std::string sha = sha1_hex(source);
  return RedisScript{name, std::move(source), std::move(sha)};
}

// Milliseconds from Redis' own clock: every node sees one time, whatever their clocks say.
constexpr const char* kNow = R"lua(
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
)lua";

// KEYS: meta, stream, idempotency key.
// ARGV: redis channel, body, size, ttl ms, meta ttl ms, epoch candidate, idempotency window ms.
// Returns {offset, epoch, 1 when it was a retry}.
constexpr const char* kPublish = R"lua(
local window = tonumber(ARGV[7])
if window > 0 then
  local seen = redis.call('GET', KEYS[3])
  if seen then
    local sep = string.find(seen, ':', 1, true)
    return {tonumber(string.sub(seen, 1, sep - 1)), string.sub(seen, sep + 1), 1}
  end
end
local now = now_ms()
local size = tonumber(ARGV[3])
local offset = 0
local epoch = ''
if size > 0 then
  epoch = redis.call('HGET', KEYS[1], 'e')
  if not epoch then
    epoch = ARGV[6]
    redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
    redis.call('DEL', KEYS[2])
  end
  offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
  local entry = offset .. ':' .. now .. ':' .. ARGV[2]
  redis.call('ZADD', KEYS[2], offset, entry)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(size + 1))
  local ttl = tonumber(ARGV[4])
  local meta_ttl = tonumber(ARGV[5])
  if meta_ttl > 0 then redis.call('PEXPIRE', KEYS[1], meta_ttl) else redis.call('PERSIST', KEYS[1]) end
  -- The stream is useless once its newest entry expired, and never outlives its meta.
  local keep = ttl
  if meta_ttl > 0 and (keep == 0 or meta_ttl < keep) then keep = meta_ttl end
  if keep > 0 then redis.call('PEXPIRE', KEYS[2], keep) else redis.call('PERSIST', KEYS[2]) end
  -- 'e': the entry with its epoch, so that subscribed nodes notice an epoch change.
  redis.call('PUBLISH', ARGV[1], 'e' .. epoch .. ':' .. entry)
else
  redis.call('PUBLISH', ARGV[1], 'p0:' .. now .. ':' .. ARGV[2])
end
if window > 0 then redis.call('SET', KEYS[3], offset .. ':' .. epoch, 'PX', window) end
return {offset, epoch, 0}
)lua";

// KEYS: meta, stream.
// ARGV: size, ttl ms, meta ttl ms, epoch candidate, mode ('since' or 'latest'), limit (-1: no
// limit), reverse (0/1), since offset, since epoch.
// Returns {top offset, epoch, since available (0/1), entry...}.
constexpr const char* kHistory = R"lua(
local size = tonumber(ARGV[1])
if size == 0 then return {0, '', 0} end
local epoch = redis.call('HGET', KEYS[1], 'e')
local top = 0
if not epoch then
  epoch = ARGV[4]
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('DEL', KEYS[2])
else
  top = tonumber(redis.call('HGET', KEYS[1], 'o'))
end
local meta_ttl = tonumber(ARGV[3])
if meta_ttl > 0 then redis.call('PEXPIRE', KEYS[1], meta_ttl) end
redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(size + 1))
local ttl = tonumber(ARGV[2])
local now = 0
if ttl > 0 then now = now_ms() end
local function alive(entry)
  if ttl == 0 then return true end
  local _, _, at = string.find(entry, '^%d+:(%d+):')
  return tonumber(at) + ttl > now
end
local limit = tonumber(ARGV[6])
local out = {top, epoch, 0}
if ARGV[5] == 'since' then
  local since = tonumber(ARGV[8])
  if since == nil or since > top then return out end
  local same_epoch = ARGV[9] == epoch
  if same_epoch then
    if since == top then
      out[3] = 1
    else
      local next_one = redis.call('ZRANGEBYSCORE', KEYS[2], since + 1, since + 1)
      if #next_one == 1 and alive(next_one[1]) then out[3] = 1 end
    end
  else
    since = 0
  end
  if limit == 0 then return out end
  local entries = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. since, '+inf')
  local n = 0
  for _, entry in ipairs(entries) do
    if limit >= 0 and n >= limit then break end
    if alive(entry) then
      out[#out + 1] = entry
      n = n + 1
    end
  end
  return out
end
if limit == 0 then return out end
local stop = -1
if limit > 0 then stop = limit - 1 end
local newest = redis.call('ZREVRANGE', KEYS[2], 0, stop)
local kept = {}
for _, entry in ipairs(newest) do
  if alive(entry) then kept[#kept + 1] = entry end
end
if ARGV[7] == '1' then
  for i = 1, #kept do out[#out + 1] = kept[i] end
else
  for i = #kept, 1, -1 do out[#out + 1] = kept[i] end
end
return out
)lua";

// Both presence keys live as long as their longest-lived entry.
constexpr const char* kPresenceExpiry = R"lua(
local function expire_presence()
  local last = redis.call('ZRANGE', KEYS[2], -1, -1, 'WITHSCORES')
  if #last == 0 then return end
  if last[2] == 'inf' then
    redis.call('PERSIST', KEYS[1])
    redis.call('PERSIST', KEYS[2])
  else
    local at = string.format('%d', math.ceil(tonumber(last[2])))
    redis.call('PEXPIREAT', KEYS[1], at)
    redis.call('PEXPIREAT', KEYS[2], at)
  end
end
)lua";

// KEYS: hash, zset. ARGV: ttl ms (0: until removed), then client id, encoded client pairs.
constexpr const char* kPresenceAdd = R"lua(
local ttl = tonumber(ARGV[1])
local expiry = '+inf'
if ttl > 0 then expiry = string.format('%d', now_ms() + ttl) end
for i = 2, #ARGV - 1, 2 do
  redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1])
  redis.call('ZADD', KEYS[2], expiry, ARGV[i])
end
expire_presence()
return 1
)lua";

// KEYS: hash, zset. ARGV: client id.
constexpr const char* kPresenceRemove = R"lua(
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
)lua";

// KEYS: hash, zset. Drops expired entries, returns the encoded clients.
constexpr const char* kPresenceRead = R"lua(
local now = now_ms()
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for i = 1, #dead, 500 do
  redis.call('HDEL', KEYS[1], unpack(dead, i, math.min(i + 499, #dead)))
end
if #dead > 0 then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now) end
return redis.call('HVALS', KEYS[1])
)lua";

}  // namespace

RedisScript make_redis_script(const char* name, std::string source) {
  return make(name, std::move(source));
}
const char* const kRedisNowFunction = kNow;

const RedisScript& redis_publish_script() {
  static const RedisScript script = make("publish", std::string(kNow) + kPublish);
  return script;
}
const RedisScript& redis_history_script() {
  static const RedisScript script = make("history", std::string(kNow) + kHistory);
  return script;
}
const RedisScript& redis_presence_add_script() {
  static const RedisScript script = make("presence_add", std::string(kNow) + kPresenceExpiry + kPresenceAdd);
  return script;
}
const RedisScript& redis_presence_remove_script() {
  static const RedisScript script = make("presence_remove", kPresenceRemove);
  return script;
}
const RedisScript& redis_presence_read_script() {
  static const RedisScript script = make("presence_read", std::string(kNow) + kPresenceRead);
  return script;
}

}  // namespace wshub::broker
