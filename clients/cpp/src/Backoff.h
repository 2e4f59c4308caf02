#pragma once
// Reconnect delays: exponential growth with "full jitter" (AWS Architecture Blog, "Exponential
// Backoff And Jitter"): the delay of attempt n is uniform in [0, min(max, min * factor^n)], so a
// fleet of clients cut off together does not come back together. The random source is injected
// so that tests can check the arithmetic.
#include <chrono>
#include <cstdint>
#include <functional>

#include "wshub/client/Types.h"

namespace wshub::client {

class Backoff {
 public:
  // `uniform01` returns values in [0, 1).
  Backoff(BackoffOptions options, std::function<double()> uniform01);

  // The delay before the next attempt; every call counts one more failed attempt.
  std::chrono::milliseconds next();
  // After a successful connection: the next failure starts from min_delay again.
  void reset() { attempt_ = 0; }
  uint32_t attempt() const { return attempt_; }
  // The upper bound of the draw for attempt `n`.
  std::chrono::milliseconds ceiling(uint32_t n) const;

 private:
  BackoffOptions options_;
  std::function<double()> uniform01_;
  uint32_t attempt_ = 0;
};

// A uniform01 source for production: a per-process std::mt19937_64 seeded from std::random_device.
std::function<double()> default_uniform01();

}  // namespace wshub::client
