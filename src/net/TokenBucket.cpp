#include "net/TokenBucket.h"

#include <algorithm>

namespace wshub::net {

TokenRate::TokenRate(double per_second, double burst) {
  if (per_second <= 0) return;
  std::chrono::duration<double> seconds(1.0 / per_second);
  interval_ = std::max(Duration(1), std::chrono::duration_cast<Duration>(seconds));
  tolerance_ = interval_ * static_cast<long long>(std::max(1.0, burst) - 1);
}

bool TokenBucket::try_take(const TokenRate& rate, Clock::time_point now) {
  if (rate.unlimited()) return true;
  Clock::time_point next = std::max(next_, now);
  if (next - now > rate.tolerance()) return false;
  next_ = next + rate.interval();
  return true;
}

}  // namespace wshub::net
