#pragma once
// What `info` reports about a node: hub::NodeStatus (hub/NodeRegistry.h), which the server
// fills from its workers' counters; the api layer only formats it.
#include <functional>

#include "hub/NodeRegistry.h"

namespace wshub::api {

using NodeInfo = hub::NodeStatus;
using NodeInfoSource = std::function<NodeInfo()>;

}  // namespace wshub::api
