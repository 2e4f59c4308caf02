#pragma once
// Which hub::Broker a node runs on, from [broker] (docs/clustering.md): the in-memory broker
// for one node, the Redis broker for a cluster, or NATS (with Redis as the store of history
// and presence when broker.store = "redis"). Kept apart from Node so that adding a broker
// touches this file only.
#include <memory>

#include "hub/Broker.h"
#include "server/Config.h"

namespace wshub::server {

// Throws StartupError for an address or URL that cannot be used. An unreachable Redis or
// NATS is not an error: the node starts, answers `unavailable` and keeps reconnecting.
std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config);

}  // namespace wshub::server
