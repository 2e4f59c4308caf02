#include "hub/Authenticator.h"

namespace wshub::hub {

bool channel_allowed(const std::vector<std::string>& patterns, std::string_view channel) {
  for (const std::string& pattern : patterns) {
    if (!pattern.empty() && pattern.back() == '*') {
      if (channel.starts_with(std::string_view(pattern).substr(0, pattern.size() - 1))) return true;
    } else if (pattern == channel) {
      return true;
    }
  }
  return false;
}

}  // namespace wshub::hub
