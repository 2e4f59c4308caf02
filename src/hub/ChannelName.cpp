#include "hub/ChannelName.h"

namespace wshub::hub {
namespace {

// Printable ASCII without space, and without the four bytes the header reserves: `"` and
// `\` would need escaping in JSON, `*` is a wildcard in token claims, `#` is kept for
// future use (user-limited channels in centrifuge's convention).
constexpr bool is_channel_byte(unsigned char c) {
  return c > 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '*' && c != '#';
}

constexpr bool is_namespace_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

}  // namespace

bool parse_channel_name(std::string_view channel, ChannelName& out, size_t max_length) {
  if (channel.empty() || channel.size() > max_length) return false;
  for (unsigned char c : channel) {
    if (!is_channel_byte(c)) return false;
  }
  // The first colon separates the namespace; later ones belong to the name ("chat:a:b").
  const size_t colon = channel.find(':');
  if (colon == std::string_view::npos) {
    out = {{}, channel};
    return true;
  }
  const std::string_view ns = channel.substr(0, colon);
  const std::string_view name = channel.substr(colon + 1);
  if (ns.empty() || name.empty()) return false;
  for (unsigned char c : ns) {
    if (!is_namespace_byte(c)) return false;
  }
  out = {ns, name};
  return true;
}

}  // namespace wshub::hub
