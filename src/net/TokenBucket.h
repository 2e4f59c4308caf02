#pragma once
// A token bucket (a rate and a burst) for rate limits: the accept rate of a node and the
// request rate of one connection.
//
// Semantics: the bucket holds up to `burst` tokens and gains `per_second` a second; each
// admitted event takes one; it starts full. It is kept in its virtual-scheduling form
// (GCRA, ITU-T I.371): the state is one time point, the "theoretical arrival time" of
// the next event at the sustained rate. An event is admitted when that point is at most
// (burst - 1) intervals ahead of now, and pushes it one interval on. Same behaviour as
// counting tokens, with one word of state, integer nanoseconds (no rounding drift, no
// floating-point comparison) and nothing to refill.
//
// The caller passes the time (a loop's cached time: no clock read per message), and the
// rate lives outside the bucket so the per-connection state does not repeat the
// node-wide parameters. Not thread-safe: one owner, or a lock around it.
#include <chrono>

namespace wshub::net {

class TokenRate {
 public:
  using Duration = std::chrono::steady_clock::duration;

  TokenRate() = default;  // unlimited
  // per_second <= 0: unlimited. burst < 1 counts as 1.
  TokenRate(double per_second, double burst);

  bool unlimited() const { return interval_.count() == 0; }
  Duration interval() const { return interval_; }    // time to earn one token
  Duration tolerance() const { return tolerance_; }  // (burst - 1) intervals

 private:
  Duration interval_{0};
  Duration tolerance_{0};
};

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;

  // Full (`burst` tokens) as of `now`.
  void fill(Clock::time_point now) { next_ = now; }
  // Takes one token if there is one.
  bool try_take(const TokenRate& rate, Clock::time_point now);

 private:
  Clock::time_point next_{};  // theoretical arrival time of the next event
};

}  // namespace wshub::net
