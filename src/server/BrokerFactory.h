#pragma once
// Which hub::Broker a node runs on, from [broker] (docs/clustering.md): the in-memory broker
// for one node, or the Redis broker for a cluster. Kept apart from Node so that adding a
// broker (NATS) touches this file only.
#include <memory>

#include "hub/Broker.h"
#include "server/Config.h"

namespace wshub::server {

// Throws StartupError for an address that cannot be resolved. An unreachable Redis is not
// an error: the node starts, answers `unavailable` and keeps reconnecting.
std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config);

}  // namespace wshub::server
