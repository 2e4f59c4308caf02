#pragma once
// A hash map keyed by std::string that can be probed with a string_view, so a lookup by
// a name that points into a frame allocates nothing.
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>

namespace wshub::hub {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

template <typename V>
using StringMap = std::unordered_map<std::string, V, StringHash, std::equal_to<>>;

}  // namespace wshub::hub
