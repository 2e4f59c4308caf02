#include "api/ChannelPattern.h"

namespace wshub::api {

// Greedy matching with one backtrack point (the last `*`): linear in practice and never
// exponential, whatever pattern a caller sends.
bool channel_matches(std::string_view pattern, std::string_view channel) {
  size_t p = 0, c = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (c < channel.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == channel[c])) {
      ++p, ++c;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = c;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      c = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace wshub::api
