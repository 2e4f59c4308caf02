#pragma once
// What `info` reports about a node. The server fills it from its workers' counters; the
// api layer only formats it.
#include <cstdint>
#include <functional>
#include <string>

namespace wshub::api {

struct NodeInfo {
  std::string id;
  std::string version;
  uint64_t uptime_seconds = 0;
  uint64_t connections = 0;  // open WebSocket connections
  uint64_t channels = 0;     // channels with subscribers on this node
  uint64_t messages_in = 0;  // WebSocket messages received
  uint64_t messages_out = 0; // WebSocket messages sent
};

using NodeInfoSource = std::function<NodeInfo()>;

}  // namespace wshub::api
