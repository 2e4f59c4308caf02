#pragma once
// A latency histogram with fixed bucket bounds, cheap enough for a per-publication path:
// one clock read by the caller, a short scan over 16 bounds, two relaxed counter updates.
// The bounds (100 µs to 10 s, roughly ×2.5 apart) are fixed so that histograms from every
// worker and every broker call site add up bucket by bucket on scrape, and so that the
// Prometheus series stay the same across versions.
//
// Two writers' disciplines:
//  * observe(): one writer thread (a worker's own histogram), relaxed load + store, no
//    locked instruction;
//  * observe_shared(): any thread (fetch_add); callers stripe these (StripedHistogram) so
//    that threads rarely share a cache line.
#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>

namespace wshub::hub {

class DurationHistogram {
 public:
  // Upper bounds in microseconds ("le" in Prometheus, seconds there); +Inf is implicit.
  static constexpr std::array<uint64_t, 16> kBoundsMicros = {
      100, 250, 500, 1'000, 2'500, 5'000, 10'000, 25'000, 50'000, 100'000, 250'000, 500'000,
      1'000'000, 2'500'000, 5'000'000, 10'000'000};
  static constexpr size_t kBuckets = kBoundsMicros.size() + 1;  // the last one is +Inf

  // Plain numbers: what a scrape adds up.
  struct Snapshot {
    std::array<uint64_t, kBuckets> counts{};  // per bucket, not cumulative
    uint64_t sum_nanos = 0;
    uint64_t count() const {
      uint64_t n = 0;
      for (uint64_t c : counts) n += c;
      return n;
    }
    void add(const Snapshot& other) {
      for (size_t i = 0; i < kBuckets; ++i) counts[i] += other.counts[i];
      sum_nanos += other.sum_nanos;
    }
  };

  static size_t bucket_for(std::chrono::nanoseconds d) {
    int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
    size_t i = 0;
    while (i < kBoundsMicros.size() && micros > static_cast<int64_t>(kBoundsMicros[i])) ++i;
    return i;
  }

  void observe(std::chrono::nanoseconds d) {
    if (d.count() < 0) d = std::chrono::nanoseconds(0);
    bump(counts_[bucket_for(d)], 1);
    bump(sum_nanos_, static_cast<uint64_t>(d.count()));
  }

  void observe_shared(std::chrono::nanoseconds d) {
    if (d.count() < 0) d = std::chrono::nanoseconds(0);
    counts_[bucket_for(d)].fetch_add(1, std::memory_order_relaxed);
    sum_nanos_.fetch_add(static_cast<uint64_t>(d.count()), std::memory_order_relaxed);
  }

  void add_to(Snapshot& out) const {
    for (size_t i = 0; i < kBuckets; ++i) out.counts[i] += counts_[i].load(std::memory_order_relaxed);
    out.sum_nanos += sum_nanos_.load(std::memory_order_relaxed);
  }

 private:
  static void bump(std::atomic<uint64_t>& c, uint64_t n) {
    c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
  std::array<std::atomic<uint64_t>, kBuckets> counts_{};
  std::atomic<uint64_t> sum_nanos_{0};
};

}  // namespace wshub::hub
