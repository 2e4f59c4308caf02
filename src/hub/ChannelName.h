#pragma once
// Channel names: `namespace:name` or just `name` (the default namespace). Sans-IO and
// fuzzed. Allowed: 1..max_length bytes of printable ASCII except space, and none of
// `"` `\` (JSON-safe without escaping), `*` (patterns in tokens) and `#` (reserved);
// the namespace part, when present, is [A-Za-z0-9_-]+ and the name part is non-empty.
#include <cstddef>
#include <string_view>

namespace wshub::hub {

struct ChannelName {
  std::string_view namespace_name;  // empty: the default namespace
  std::string_view name;
};

inline constexpr size_t kMaxChannelLength = 255;

// Splits and validates; false for an invalid name.
bool parse_channel_name(std::string_view channel, ChannelName& out, size_t max_length = kMaxChannelLength);

}  // namespace wshub::hub
