#pragma once
// Which hub::NodeRegistry a node runs with, from its broker: the Redis broker's nodes share
// a registry in Redis (broker/RedisNodeRegistry), any other broker gets the registry of a
// node alone (broker/LocalNodeRegistry). Kept apart from BrokerFactory so that a broker
// that brings its own registry (NATS) adds one branch here.
#include <memory>
#include <string>

#include "hub/Broker.h"
#include "hub/NodeRegistry.h"
#include "server/Config.h"

namespace wshub::server {

// `broker` is the broker itself (not a wrapper such as MeteredBroker) and outlives the
// registry.
std::unique_ptr<hub::NodeRegistry> make_node_registry(const BrokerConfig& config, hub::Broker& broker,
                                                      const std::string& node_id);

// The address `info` shows for a node: server.advertise_address, else the listener with a
// wildcard host (0.0.0.0, ::) replaced by the machine's host name, and the bound port.
std::string advertised_address(const Config& config, uint16_t bound_port);

}  // namespace wshub::server
