#include "net/ConnectionTable.h"

namespace wshub::net {

ConnectionTable::ConnectionTable(size_t max_total, size_t max_per_key)
    : max_total_(max_total), max_per_key_(max_per_key) {}

ConnectionTable::Shard& ConnectionTable::shard_for(std::string_view key) const {
  return shards_[std::hash<std::string_view>{}(key) % kShards];
}

bool ConnectionTable::take_total() {
  size_t current = total_.load(std::memory_order_relaxed);
  do {
    if (max_total_ != 0 && current >= max_total_) return false;
  } while (!total_.compare_exchange_weak(current, current + 1, std::memory_order_relaxed));
  return true;
}

ConnectionTable::Admission ConnectionTable::acquire(std::string_view key) {
  if (!take_total()) return Admission::total_full;
  if (max_per_key_ == 0) return Admission::admitted;
  Shard& shard = shard_for(key);
  {
    std::lock_guard lock(shard.mutex);
    auto it = shard.counts.find(key);
    if (it == shard.counts.end()) {
      shard.counts.emplace(std::string(key), 1);
      return Admission::admitted;
    }
    if (it->second < max_per_key_) {
      ++it->second;
      return Admission::admitted;
    }
  }
  total_.fetch_sub(1, std::memory_order_relaxed);
  return Admission::key_full;
}

void ConnectionTable::release(std::string_view key) {
  total_.fetch_sub(1, std::memory_order_relaxed);
  if (max_per_key_ == 0) return;
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.counts.find(key);
  if (it == shard.counts.end()) return;
  if (--it->second == 0) shard.counts.erase(it);
}

size_t ConnectionTable::count(std::string_view key) const {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto it = shard.counts.find(key);
  return it == shard.counts.end() ? 0 : it->second;
}

size_t ConnectionTable::key_count() const {
  size_t keys = 0;
  for (Shard& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    keys += shard.counts.size();
  }
  return keys;
}

}  // namespace wshub::net
