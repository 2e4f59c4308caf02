#pragma once
// Node-wide counts of open connections, in total and per key (a client address, a user
// id), each with a cap: the connection limits. Shared by every worker of a process.
//
// Threads: acquire() runs when a connection opens and release() when it closes, on any
// worker; never per message. The total is one atomic (a compare-and-swap loop keeps it
// exactly at or below the cap); the per-key counts are spread over shards, each a map
// under its own mutex, so workers admitting different clients rarely meet on a lock.
// A key's entry exists only while it has connections: the table's memory follows the
// open connections, not every address ever seen.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wshub::net {

class ConnectionTable {
 public:
  enum class Admission : uint8_t {
    admitted,    // counted: release() it when the connection closes
    total_full,  // max_total connections are open
    key_full,    // max_per_key connections of this key are open
  };

  // 0 means unlimited, for either cap. Without a per-key cap no key is tracked.
  ConnectionTable(size_t max_total, size_t max_per_key);
  ConnectionTable(const ConnectionTable&) = delete;
  ConnectionTable& operator=(const ConnectionTable&) = delete;

  Admission acquire(std::string_view key);
  // Undoes one admitted acquire() of `key`.
  void release(std::string_view key);

  size_t total() const { return total_.load(std::memory_order_relaxed); }
  size_t count(std::string_view key) const;
  // Keys with open connections (0 without a per-key cap): locks each shard in turn, so
  // for scrapes and heartbeats, not per connection.
  size_t key_count() const;
  size_t max_total() const { return max_total_; }
  size_t max_per_key() const { return max_per_key_; }

 private:
  static constexpr size_t kShards = 16;
  struct KeyHash {  // probes with a string_view: a lookup allocates nothing
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  struct Shard {
    std::mutex mutex;
    std::unordered_map<std::string, uint32_t, KeyHash, std::equal_to<>> counts;
  };
  Shard& shard_for(std::string_view key) const;
  bool take_total();

  size_t max_total_;
  size_t max_per_key_;
  std::atomic<size_t> total_{0};
  mutable Shard shards_[kShards];
};

}  // namespace wshub::net
