#pragma once
// The first result of each idempotent publish, per (channel, key), so that a retry within the
// window returns it instead of publishing again (hub::PublishOptions::idempotency_key). One
// cache per shard of the memory broker; not thread-safe: the shard's mutex guards it, and the
// same lock around lookup, publish and insert is what makes two concurrent retries publish once.
//
// Bounded two ways. By time: an entry expires at its own deadline (the window of the publish
// that stored it); lookups ignore expired entries and expire() drops them from the oldest
// insertion on. By count: at most `capacity` insertion records are kept; beyond that the oldest
// is evicted even if its window is still open (a retry after that publishes twice: the price of
// bounded memory, paid only by a shard that took `capacity` keyed publishes within one window).
//
// Insertion order is a deque of records (key, sequence number). Re-storing a key whose entry
// expired leaves its old record behind as stale (its sequence number no longer matches); stale
// records count toward `capacity`, so the deque is bounded too, and they are dropped when they
// reach the front.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

#include "broker/Deadline.h"
#include "hub/Publication.h"

namespace wshub::broker {

class IdempotencyCache {
 public:
  // capacity 0 disables the cache (every publish is new).
  explicit IdempotencyCache(size_t capacity) : capacity_(capacity) {}

  // The stored result, or nullptr when absent or expired at `now`. Valid until the next
  // non-const call.
  const hub::StreamPosition* find(std::string_view channel, std::string_view key,
                                  Clock::time_point now) const;
  // Stores the result of a publish that find() did not know; runs expire(now) first.
  void insert(std::string_view channel, std::string_view key, hub::StreamPosition position,
              Clock::time_point expires_at, Clock::time_point now);
  void expire(Clock::time_point now);

  size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    hub::StreamPosition position;
    Clock::time_point expires_at;
    uint64_t sequence;
  };
  struct Record {
    std::string key;
    uint64_t sequence;
  };
  // Channel length first: ("a:b", "c") and ("a", "b:c") must not share a key.
  static std::string make_key(std::string_view channel, std::string_view key);
  // Drops the front record and its entry when the record is its current one.
  void pop_front();

  size_t capacity_;
  uint64_t next_sequence_ = 0;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<Record> order_;  // insertion order; every live entry has exactly one record here
};

}  // namespace wshub::broker
