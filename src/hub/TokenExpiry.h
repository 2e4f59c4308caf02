#pragma once
// When a connection whose token carries `exp` is asked to refresh, and when it is closed.
//
// The token stops being accepted at its deadline, exp + auth.leeway (what the verifier
// allows at connect time; closing at bare exp would close a just-accepted token at once).
// `refresh_required` goes out a lead before that deadline: `refresh_before`, but never
// more than half of the time the token has left when it is accepted, so a short-lived
// token (2 s in the tests, 60 s in some deployments) still gets its notice half-way
// instead of at once. When the deadline passes without a successful `refresh`, the
// connection is closed with 4004.
//
// The timing wheel fires no earlier than asked and at most one tick (50 ms) late, so the
// close never comes before the deadline; pure arithmetic here, so it is unit-tested
// without a clock (tests/unit/hub/token_expiry_test.cpp).
#include <chrono>

namespace wshub::hub {

struct ExpirySchedule {
  std::chrono::milliseconds refresh_in;  // from now until refresh_required
  std::chrono::milliseconds expire_in;   // from now until the 4004 close
};

// `now` and `expires_at` (the token's exp) on the system clock; both results >= 0.
ExpirySchedule schedule_expiry(std::chrono::system_clock::time_point now,
                               std::chrono::system_clock::time_point expires_at,
                               std::chrono::milliseconds leeway, std::chrono::milliseconds refresh_before);

}  // namespace wshub::hub
