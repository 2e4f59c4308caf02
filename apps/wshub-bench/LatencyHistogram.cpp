#include "LatencyHistogram.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace wshub::bench {

void LatencyHistogram::merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::highest_value_of(int index) {
  if (index < kSubCount) return static_cast<uint64_t>(index);
  const int shift = (index >> kSubBits) - 1;
  const uint64_t sub = static_cast<uint64_t>(index & (kSubCount - 1));
  const uint64_t lowest = (static_cast<uint64_t>(kSubCount) | sub) << shift;
  return lowest + ((uint64_t{1} << shift) - 1);
}

uint64_t LatencyHistogram::value_at_quantile(double q) const {
  if (total_ == 0) return 0;
  q = std::clamp(q, 0.0, 1.0);
  // The rank of the sample we want, 1-based: p50 of 10 samples is the 5th.
  const uint64_t rank =
      std::max<uint64_t>(1, static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_))));
  uint64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(highest_value_of(i), max_);
  }
  return max_;
}

std::string LatencyHistogram::serialize() const {
  std::string out = std::to_string(total_) + " " + std::to_string(sum_) + " " + std::to_string(max_);
  for (int i = 0; i < kBucketCount; ++i) {
    if (counts_[i] == 0) continue;
    out += ' ';
    out += std::to_string(i);
    out += ':';
    out += std::to_string(counts_[i]);
  }
  return out;
}

bool LatencyHistogram::parse(std::string_view text) {
  auto next_number = [&text](uint64_t& value, char separator) {
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc()) return false;
    text.remove_prefix(static_cast<size_t>(ptr - text.data()));
    if (!text.empty()) {
      if (text.front() != separator) return false;
      text.remove_prefix(1);
    }
    return true;
  };
  uint64_t total = 0, sum = 0, max = 0;
  if (!next_number(total, ' ') || !next_number(sum, ' ') || !next_number(max, ' ')) return false;
  LatencyHistogram read;
  while (!text.empty()) {
    uint64_t index = 0, count = 0;
    if (!next_number(index, ':') || !next_number(count, ' ') || index >= kBucketCount) return false;
    read.counts_[index] += count;
  }
  read.total_ = total;
  read.sum_ = sum;
  read.max_ = max;
  merge(read);
  return true;
}

}  // namespace wshub::bench
