#pragma once
// Reading the replies of the Redis stream commands a consumer group member sends
// (XREADGROUP, XAUTOCLAIM; https://redis.io/commands/xreadgroup/) into plain values, apart
// from any socket so that the shapes, including the odd ones, are unit-tested:
//
//   XREADGROUP  nil (BLOCK timed out) | [[stream, [[id, [field, value, ...]], ...]], ...]
//               an entry of the consumer's pending list that was deleted (XDEL, trimming)
//               comes back as [id, nil] when reading from an id instead of `>`.
//   XAUTOCLAIM  [next cursor, [[id, [field, value, ...]] | nil, ...], [deleted id, ...]]
//               (Redis 7: the third element lists claimed ids whose entries no longer exist;
//               Redis removed them from the pending list itself).
#include <hiredis/hiredis.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace wshub::broker {

struct StreamEntry {
  std::string id;  // "<ms>-<seq>"
  std::vector<std::pair<std::string, std::string>> fields;
  bool deleted = false;  // a pending entry whose content is gone: acknowledge, nothing to do

  // The value of `name`, or nullopt when the entry has no such field.
  std::optional<std::string_view> field(std::string_view name) const;
};

// False when the reply has another shape (an error reply included): the caller logs it.
bool parse_stream_read(const redisReply& reply, std::vector<StreamEntry>& out);

struct StreamClaim {
  std::string next_cursor;  // "0-0" when the scan of the pending list is complete
  std::vector<StreamEntry> entries;
};
bool parse_stream_claim(const redisReply& reply, StreamClaim& out);

}  // namespace wshub::broker
