#include "broker/IdempotencyCache.h"

#include <utility>

namespace wshub::broker {

std::string IdempotencyCache::make_key(std::string_view channel, std::string_view key) {
  std::string out = std::to_string(channel.size());
  out.reserve(out.size() + 1 + channel.size() + key.size());
  out += ':';
  out += channel;
  out += key;
  return out;
}

const hub::StreamPosition* IdempotencyCache::find(std::string_view channel, std::string_view key,
                                                  Clock::time_point now) const {
  if (entries_.empty()) return nullptr;
  const auto it = entries_.find(make_key(channel, key));
  if (it == entries_.end() || it->second.expires_at <= now) return nullptr;
  return &it->second.position;
}

void IdempotencyCache::insert(std::string_view channel, std::string_view key, hub::StreamPosition position,
                              Clock::time_point expires_at, Clock::time_point now) {
  if (capacity_ == 0) return;
  expire(now);
  std::string full_key = make_key(channel, key);
  const uint64_t sequence = next_sequence_++;
  entries_.insert_or_assign(full_key, Entry{std::move(position), expires_at, sequence});
  order_.push_back({std::move(full_key), sequence});
  while (order_.size() > capacity_) pop_front();
}

void IdempotencyCache::expire(Clock::time_point now) {
  while (!order_.empty()) {
    const auto it = entries_.find(order_.front().key);
    const bool stale = it == entries_.end() || it->second.sequence != order_.front().sequence;
    if (!stale && it->second.expires_at > now) break;
    pop_front();
  }
}

void IdempotencyCache::pop_front() {
  const Record& record = order_.front();
  const auto it = entries_.find(record.key);
  if (it != entries_.end() && it->second.sequence == record.sequence) entries_.erase(it);
  order_.pop_front();
}

}  // namespace wshub::broker
