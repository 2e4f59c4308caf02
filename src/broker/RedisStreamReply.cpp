#include "broker/RedisStreamReply.h"

namespace wshub::broker {
namespace {

bool is_text(const redisReply* r) {
  return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

std::string text(const redisReply* r) {
  return std::string(r->str, r->len);
}

// [id, [field, value, ...]] or [id, nil]. A RESP3-style map is not expected: the connection
// speaks RESP2.
bool parse_entry(const redisReply* r, StreamEntry& out) {
  if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2 || !is_text(r->element[0])) return false;
  out.id = text(r->element[0]);
  const redisReply* fields = r->element[1];
  if (fields->type == REDIS_REPLY_NIL) {
    out.deleted = true;
    return true;
  }
  if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0) return false;
  out.fields.reserve(fields->elements / 2);
  for (size_t i = 0; i < fields->elements; i += 2) {
    if (!is_text(fields->element[i]) || !is_text(fields->element[i + 1])) return false;
    out.fields.emplace_back(text(fields->element[i]), text(fields->element[i + 1]));
  }
  return true;
}

bool parse_entries(const redisReply* list, std::vector<StreamEntry>& out) {
  if (!list || list->type != REDIS_REPLY_ARRAY) return false;
  for (size_t i = 0; i < list->elements; ++i) {
    // XAUTOCLAIM in Redis 7.0 may still list a deleted entry as nil in place.
    if (list->element[i]->type == REDIS_REPLY_NIL) continue;
    StreamEntry entry;
    if (!parse_entry(list->element[i], entry)) return false;
    out.push_back(std::move(entry));
  }
  return true;
}

}  // namespace

std::optional<std::string_view> StreamEntry::field(std::string_view name) const {
  for (const auto& [key, value] : fields) {
    if (key == name) return std::string_view(value);
  }
  return std::nullopt;
}

bool parse_stream_read(const redisReply& reply, std::vector<StreamEntry>& out) {
  if (reply.type == REDIS_REPLY_NIL) return true;  // BLOCK timed out: nothing new
  if (reply.type != REDIS_REPLY_ARRAY) return false;
  for (size_t s = 0; s < reply.elements; ++s) {
    const redisReply* stream = reply.element[s];
    if (stream->type != REDIS_REPLY_ARRAY || stream->elements != 2 || !is_text(stream->element[0]))
      return false;
    if (!parse_entries(stream->element[1], out)) return false;
  }
  return true;
}

bool parse_stream_claim(const redisReply& reply, StreamClaim& out) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements < 2 || !is_text(reply.element[0])) return false;
  out.next_cursor = text(reply.element[0]);
  return parse_entries(reply.element[1], out.entries);
}

}  // namespace wshub::broker
