#pragma once
// The request rate limit of one connection: a token bucket (limits.message_rate and
// message_burst) and the rule for sustained abuse (limits.max_refusals refused requests
// within limits.refusal_window close the connection with 4029).
//
// Every request counts once: each command of a batch, and a command that fails to decode
// (otherwise garbage would be a free way to make the server write error replies). A
// refused request is answered with error 111 and not processed.
//
// Lives inside the Client: a few words of state, no allocation, no lock; the caller passes
// the loop's cached time, so no clock is read per message either.
#include <chrono>
#include <cstdint>

#include "net/TokenBucket.h"

namespace wshub::hub {

struct RequestRatePolicy {
  net::TokenRate rate;        // per_second 0: no limit
  uint32_t max_refusals = 0;  // 0: refusals never close the connection
  std::chrono::milliseconds refusal_window{10'000};
};

class RequestRateLimit {
 public:
  using Clock = net::TokenBucket::Clock;
  enum class Verdict : uint8_t {
    allowed,
    refused,  // over the rate: answer 111, do not process
    abusive,  // refused, and the max_refusals-th refusal within the window: close with 4029
  };

  // The bucket starts full.
  void start(Clock::time_point now) { bucket_.fill(now); }
  Verdict check(const RequestRatePolicy& policy, Clock::time_point now);

 private:
  net::TokenBucket bucket_;
  Clock::time_point window_start_{};
  uint32_t refusals_ = 0;  // within the window that began at window_start_
};

}  // namespace wshub::hub
