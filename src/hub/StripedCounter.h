#pragma once
// A counter written from any thread without the threads fighting over one cache line:
// each thread adds to one of kStripes padded cells (chosen once per thread), and a
// scrape sums the cells. For counts on paths that run on many threads at once (the
// server API's publishes, broker calls); a worker's own counters use server/Stats.h.
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace wshub::hub {

// The calling thread's stripe, 0 .. n-1 (threads are numbered round robin on first use).
inline size_t thread_stripe(size_t n) {
  static std::atomic<size_t> next{0};
  thread_local size_t mine = next.fetch_add(1, std::memory_order_relaxed);
  return mine % n;
}

class StripedCounter {
 public:
  static constexpr size_t kStripes = 8;
  void add(uint64_t n = 1) { cells_[thread_stripe(kStripes)].value.fetch_add(n, std::memory_order_relaxed); }
  uint64_t get() const {
    uint64_t total = 0;
    for (const Cell& c : cells_) total += c.value.load(std::memory_order_relaxed);
    return total;
  }

 private:
  struct alignas(64) Cell {
    std::atomic<uint64_t> value{0};
  };
  std::array<Cell, kStripes> cells_{};
};

}  // namespace wshub::hub
