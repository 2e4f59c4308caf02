#include "server/NodeRegistryFactory.h"

#include <unistd.h>

#include "broker/LocalNodeRegistry.h"
#include "broker/NatsRedisBroker.h"
#include "broker/RedisBroker.h"
#include "broker/RedisNodeRegistry.h"
#include "broker/ShardedBroker.h"

namespace wshub::server {

std::unique_ptr<hub::NodeRegistry> make_node_registry(const BrokerConfig& config, hub::Broker& broker,
                                                      const std::string& node_id) {
  // Redis holds the registry wherever the cluster has one: the Redis broker, or the NATS
  // broker's Redis store. NATS alone has no shared state: each node lists itself.
  broker::RedisBroker* redis = dynamic_cast<broker::RedisBroker*>(&broker);
  if (auto* composite = dynamic_cast<broker::NatsRedisBroker*>(&broker)) redis = &composite->store();
  // Sharded: the registry (and the cluster-wide user counts) live on the first shard, the
  // same one on every node (the address lists are identical).
  if (auto* sharded = dynamic_cast<broker::ShardedBroker*>(&broker))
    redis = dynamic_cast<broker::RedisBroker*>(&sharded->shard_at(0));
  if (redis != nullptr) {
    broker::RedisNodeRegistryOptions options;
    options.node_id = node_id;
    options.heartbeat = config.node_heartbeat;
    options.ttl = 3 * config.node_heartbeat;
    return std::make_unique<broker::RedisNodeRegistry>(*redis, options);
  }
  return std::make_unique<broker::LocalNodeRegistry>();
}

std::string advertised_address(const Config& config, uint16_t bound_port) {
  if (!config.advertise_address.empty()) return config.advertise_address;
  std::string host = config.listen.host;
  if (host.empty() || host == "0.0.0.0" || host == "::") {
    char name[256] = {};
    host = ::gethostname(name, sizeof(name) - 1) == 0 && name[0] ? name : "localhost";
  }
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(bound_port);
}

}  // namespace wshub::server
