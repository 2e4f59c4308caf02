#include "hub/RequestRateLimit.h"

namespace wshub::hub {

// Refusals are counted in a window that opens with the first refusal after the previous
// window ended (not a sliding window: one timestamp and one counter). A client that backs
// off when it sees 111 stays far below max_refusals; one that keeps sending at twice the
// rate reaches it within max_refusals / rate seconds.
RequestRateLimit::Verdict RequestRateLimit::check(const RequestRatePolicy& policy, Clock::time_point now) {
  if (bucket_.try_take(policy.rate, now)) return Verdict::allowed;
  if (refusals_ == 0 || now - window_start_ >= policy.refusal_window) {
    window_start_ = now;
    refusals_ = 0;
  }
  ++refusals_;
  return policy.max_refusals != 0 && refusals_ >= policy.max_refusals ? Verdict::abusive : Verdict::refused;
}

}  // namespace wshub::hub
