#pragma once
// At most `burst` log lines per interval for an event that can come in floods (refused
// connections under a storm, rejected tokens from a retrying client): the first lines of
// each interval are written, the next ones only counted, and the first line written
// after them carries the count held back ("suppressed K similar"), so the log shows the
// rate without being the bottleneck or filling the disk. One per worker: no lock.
#include <chrono>
#include <cstdint>
#include <optional>

namespace wshub::server {

class LogThrottle {
 public:
  using Clock = std::chrono::steady_clock;
  explicit LogThrottle(std::chrono::milliseconds interval = std::chrono::seconds(1), uint32_t burst = 1)
      : interval_(interval), burst_(burst == 0 ? 1 : burst) {}

  // A value when a line may be written at `now`: how many were suppressed before it.
  // Nothing when this line is to be suppressed (it is counted).
  std::optional<uint64_t> admit(Clock::time_point now) {
    if (!started_ || now - window_start_ >= interval_) {
      started_ = true;
      window_start_ = now;
      written_in_window_ = 0;
    }
    if (written_in_window_ >= burst_) {
      ++suppressed_;
      return std::nullopt;
    }
    ++written_in_window_;
    uint64_t held_back = suppressed_;
    suppressed_ = 0;
    return held_back;
  }

 private:
  std::chrono::milliseconds interval_;
  uint32_t burst_;
  Clock::time_point window_start_{};
  uint32_t written_in_window_ = 0;
  uint64_t suppressed_ = 0;
  bool started_ = false;
};

}  // namespace wshub::server
