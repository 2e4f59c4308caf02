#pragma once
// A log-linear latency histogram in the HdrHistogram layout, sized once, never allocating
// per sample. Values below 2^kSubBits nanoseconds have a bucket each; above, every
// power-of-two range [2^m, 2^(m+1)) is split into 2^kSubBits equal buckets, so any recorded
// value is known to within 1/128 (0.8 %) of itself. The table covers all of uint64_t:
// (64 - kSubBits + 1) * 128 counters = 58 KiB per histogram (one per generator thread).
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace wshub::bench {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;

  void record(uint64_t value_ns) {
    ++counts_[index_of(value_ns)];
    ++total_;
    if (value_ns > max_) max_ = value_ns;
    sum_ += value_ns;
  }

  void merge(const LatencyHistogram& other);

  // The value at quantile q (0..1): the highest value of the bucket holding the q-th
  // sample, as HdrHistogram reports it (an upper bound, never an underestimate), capped at
  // the exact maximum. 0 when empty.
  uint64_t value_at_quantile(double q) const;

  // A text form for crossing a pipe between generator processes: "total sum max" and then
  // "index:count" for each non-empty bucket. parse() adds what it reads to this histogram
  // (a merge) and returns false on malformed text.
  std::string serialize() const;
  bool parse(std::string_view text);

  void clear() { *this = LatencyHistogram(); }

  uint64_t count() const { return total_; }
  uint64_t max() const { return max_; }
  double mean() const { return total_ ? static_cast<double>(sum_) / static_cast<double>(total_) : 0.0; }

 private:
  static constexpr int kSubCount = 1 << kSubBits;
  static constexpr int kBucketCount = (64 - kSubBits + 1) * kSubCount;

  static int index_of(uint64_t v) {
    if (v < static_cast<uint64_t>(kSubCount)) return static_cast<int>(v);
    const int msb = 63 - __builtin_clzll(v);
    const int shift = msb - kSubBits;
    const int sub = static_cast<int>((v >> shift) & (kSubCount - 1));
    return ((shift + 1) << kSubBits) | sub;
  }
  static uint64_t highest_value_of(int index);

  std::array<uint64_t, kBucketCount> counts_{};
  uint64_t total_ = 0;
  uint64_t max_ = 0;
  uint64_t sum_ = 0;  // 2^64 ns = 584 years of summed latency: no overflow in a benchmark
};

}  // namespace wshub::bench
