#include "Backoff.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>

namespace wshub::client {

Backoff::Backoff(BackoffOptions options, std::function<double()> uniform01)
    : options_(options), uniform01_(std::move(uniform01)) {}

std::chrono::milliseconds Backoff::ceiling(uint32_t n) const {
  const double min_ms = static_cast<double>(std::max<int64_t>(options_.min_delay.count(), 0));
  const double max_ms = static_cast<double>(std::max<int64_t>(options_.max_delay.count(), 0));
  // pow overflows to +inf for large n, which min() turns into the cap.
  const double grown = min_ms * std::pow(std::max(options_.factor, 1.0), static_cast<double>(n));
  return std::chrono::milliseconds(static_cast<int64_t>(std::min(grown, max_ms)));
}

std::chrono::milliseconds Backoff::next() {
  const double cap = static_cast<double>(ceiling(attempt_).count());
  if (attempt_ < UINT32_MAX) ++attempt_;
  const double u = std::clamp(uniform01_(), 0.0, 1.0);
  return std::chrono::milliseconds(static_cast<int64_t>(u * cap));
}

std::function<double()> default_uniform01() {
  auto engine = std::make_shared<std::mt19937_64>(std::random_device{}());
  return [engine] { return std::uniform_real_distribution<double>(0.0, 1.0)(*engine); };
}

}  // namespace wshub::client
