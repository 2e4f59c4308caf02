#include "hub/TokenExpiry.h"

#include <algorithm>

namespace wshub::hub {

ExpirySchedule schedule_expiry(std::chrono::system_clock::time_point now,
                               std::chrono::system_clock::time_point expires_at,
                               std::chrono::milliseconds leeway, std::chrono::milliseconds refresh_before) {
  using std::chrono::milliseconds;
  // Rounded up: the close must not come even a fraction of a millisecond early.
  milliseconds expire_in = std::chrono::ceil<milliseconds>(expires_at + leeway - now);
  expire_in = std::max(expire_in, milliseconds(0));
  milliseconds lead = std::clamp(refresh_before, milliseconds(0), expire_in / 2);
  return ExpirySchedule{expire_in - lead, expire_in};
}

}  // namespace wshub::hub
