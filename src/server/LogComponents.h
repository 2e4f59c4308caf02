#pragma once
// The parts of wshub that log under their own name and can have their own level
// (log.components = ["net=debug", "conn=warn"]):
//   net      the engine: accept, refusals, shutdown, TLS reload (server/Worker, Connection)
//   conn     one line per WebSocket open and one per close (server/ProtocolEndpoint)
//   hub      the wshub protocol endpoint: refused Bearer tokens
//   backend  routing of application messages to HTTP back-ends ([routes])
// Everything else logs through the default logger, at log.level.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wshub::server {

enum class LogComponent : uint8_t { net, conn, hub, backend };
inline constexpr std::array<std::string_view, 4> kLogComponentNames = {"net", "conn", "hub", "backend"};
inline constexpr std::array<std::string_view, 6> kLogLevelNames = {"trace", "debug", "info",
                                                                   "warn",  "error", "off"};

// The level of each component from "name=level" entries (later entries win); components
// not mentioned are nullopt (they follow log.level). On a bad entry returns nullopt and
// sets `error`.
using ComponentLevels = std::array<std::optional<std::string>, kLogComponentNames.size()>;
std::optional<ComponentLevels> parse_component_levels(const std::vector<std::string>& entries, std::string& error);

}  // namespace wshub::server
