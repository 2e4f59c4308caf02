#pragma once
// Small helpers shared by the Redis broker's files: reading hiredis replies and turning
// failures into the hub's error values.
#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/ErrorCode.h"
#include "hub/Result.h"

namespace wshub::broker::redis_replies {

inline hub::Error unavailable(std::string message) {
  return hub::Error{hub::code(hub::ErrorCode::unavailable), std::move(message)};
}
inline constexpr const char* kDown = "redis is unavailable";

inline std::string_view as_view(const redisReply& r) {
  return {r.str, r.len};
}

inline bool is_error(const redisReply* reply) {
  return reply && reply->type == REDIS_REPLY_ERROR;
}

// The message a failed reply gives a caller: never Redis' own text, which may name keys.
inline hub::Error reply_error(const redisReply* reply, const char* what) {
  if (!reply) return unavailable(kDown);
  spdlog::warn("redis broker: {} failed: {}", what, as_view(*reply));
  return hub::Error{hub::code(hub::ErrorCode::internal), std::string(what) + " failed in the broker"};
}

inline std::string ms(std::chrono::milliseconds d) {
  return std::to_string(std::max<int64_t>(0, d.count()));
}

}  // namespace wshub::broker::redis_replies
