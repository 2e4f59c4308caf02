#pragma once
// At most one log line per interval for an event that can come in floods (refused
// connections under a storm): the first line of each interval is written with the number
// of lines held back since the previous one, so the log shows the rate without being the
// bottleneck or filling the disk. One per worker: no lock.
#include <chrono>
#include <cstdint>
#include <optional>

namespace wshub::server {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1)) : interval_(interval) {}

  // A value when a line may be written at `now`: how many were suppressed before it.
  // Nothing when this line is to be suppressed (it is counted).
  std::optional<uint64_t> admit(Clock::time_point now) {
    if (written_ && now - last_ < interval_) {
      ++suppressed_;
      return std::nullopt;
    }
    written_ = true;
    last_ = now;
    uint64_t held_back = suppressed_;
    suppressed_ = 0;
    return held_back;
  }

 private:
  std::chrono::milliseconds interval_;
  Clock::time_point last_{};
  uint64_t suppressed_ = 0;
  bool written_ = false;
};

}  // namespace wshub::server
