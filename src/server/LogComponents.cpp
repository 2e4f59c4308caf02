#include "server/LogComponents.h"

#include <algorithm>

namespace wshub::server {

std::optional<ComponentLevels> parse_component_levels(const std::vector<std::string>& entries, std::string& error) {
  ComponentLevels levels;
  for (const std::string& entry : entries) {
    size_t eq = entry.find('=');
    if (eq == std::string::npos) {
      error = "\"" + entry + "\": expected component=level, e.g. \"net=debug\"";
      return std::nullopt;
    }
    std::string_view name = std::string_view(entry).substr(0, eq);
    std::string_view level = std::string_view(entry).substr(eq + 1);
    auto component = std::find(kLogComponentNames.begin(), kLogComponentNames.end(), name);
    if (component == kLogComponentNames.end()) {
      error = "\"" + entry + "\": unknown component \"" + std::string(name) + "\" (known: net, conn, hub, backend)";
      return std::nullopt;
    }
    if (std::find(kLogLevelNames.begin(), kLogLevelNames.end(), level) == kLogLevelNames.end()) {
      error = "\"" + entry + "\": level must be one of trace, debug, info, warn, error, off";
      return std::nullopt;
    }
    levels[static_cast<size_t>(component - kLogComponentNames.begin())] = std::string(level);
  }
  return levels;
}

}  // namespace wshub::server
