#pragma once
// Expiry times of the memory broker. Every TTL in the Broker contract uses 0 for "never",
// and a TTL added to `now` must not overflow steady_clock (int64 nanoseconds, ~292 years):
// a configuration of "100000 days" means never, not a deadline in the past.
#include <chrono>

namespace wshub::broker {

using Clock = std::chrono::steady_clock;

// `now + ttl`, saturated at time_point::max(); max() (never) when ttl <= 0.
inline Clock::time_point deadline_after(Clock::time_point now, std::chrono::milliseconds ttl) {
  if (ttl.count() <= 0) return Clock::time_point::max();
  const auto room = Clock::time_point::max() - now;
  if (ttl >= std::chrono::duration_cast<std::chrono::milliseconds>(room)) return Clock::time_point::max();
  return now + ttl;
}

}  // namespace wshub::broker
