#include "server/BrokerFactory.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string_view>
#include <vector>

#include "broker/MemoryBroker.h"
#include "broker/NatsBroker.h"
#include "broker/NatsRedisBroker.h"
#include "broker/RedisBroker.h"
#include "broker/ShardedBroker.h"
#include "server/Server.h"

namespace wshub::server {
namespace {

// broker.redis_address: "HOST:PORT" or a comma-separated list of them, one shard each,
// in placement order (docs/clustering.md, "Sharding").
std::vector<std::string> split_addresses(std::string_view list) {
  std::vector<std::string> addresses;
  while (true) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) throw StartupError("broker: an empty address in broker.redis_address");
    addresses.emplace_back(item);
    if (comma == std::string_view::npos) return addresses;
    list.remove_prefix(comma + 1);
  }
}

std::unique_ptr<broker::RedisBroker> make_one_redis_broker(const BrokerConfig& config, const std::string& address) {
  broker::RedisBrokerOptions options;
  options.address = address;
  options.password = config.redis_password;
  options.database = static_cast<int>(config.redis_database);
  options.prefix = config.redis_prefix;
  options.presence_ttl = config.presence_ttl;
  try {
    auto broker = std::make_unique<broker::RedisBroker>(options);
    spdlog::info("broker: redis at {} (prefix \"{}\"){}", address, config.redis_prefix,
                 broker->connected() ? "" : ", not reachable yet");
    return broker;
  } catch (const std::runtime_error& e) {
    throw StartupError(std::string("broker: ") + e.what());
  }
}

// One address: a RedisBroker; several: a ShardedBroker over one RedisBroker each.
std::unique_ptr<hub::Broker> make_redis_broker(const BrokerConfig& config) {
  std::vector<std::unique_ptr<hub::Broker>> shards;
  for (const auto& address : split_addresses(config.redis_address))
    shards.push_back(make_one_redis_broker(config, address));
  if (shards.size() == 1) return std::move(shards.front());
  spdlog::info("broker: {} redis shards, channels placed by jump consistent hash", shards.size());
  return std::make_unique<broker::ShardedBroker>(std::move(shards));
}

// NATS carries publications; with store = "redis", history and presence live in Redis
// (broker/NatsRedisBroker.h), on one Redis server. Without a store, validate() has refused
// namespaces that need one (server/BrokerConfigCheck.h).
std::unique_ptr<hub::Broker> make_nats_broker(const BrokerConfig& config) {
  broker::NatsBrokerOptions options;
  options.url = config.nats_url;
  options.user = config.nats_user;
  options.password = config.nats_password;
  options.token = config.nats_token;
  options.prefix = config.nats_prefix;
  std::unique_ptr<broker::NatsBroker> nats;
  try {
    nats = std::make_unique<broker::NatsBroker>(options);
  } catch (const std::runtime_error& e) {
    throw StartupError(std::string("broker: ") + e.what());
  }
  spdlog::info("broker: nats at {} (prefix \"{}\"){}", config.nats_url, config.nats_prefix,
               nats->connected() ? "" : ", not reachable yet");
  if (config.store != "redis") return nats;
  const std::vector<std::string> addresses = split_addresses(config.redis_address);
  if (addresses.size() != 1)
    throw StartupError("broker: store = \"redis\" takes one broker.redis_address (sharding is for type = \"redis\")");
  return std::make_unique<broker::NatsRedisBroker>(std::move(nats), make_one_redis_broker(config, addresses.front()));
}

}  // namespace

std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config) {
  if (config.type == "redis") return make_redis_broker(config);
  if (config.type == "nats") return make_nats_broker(config);
  return std::make_unique<broker::MemoryBroker>();
}

}  // namespace wshub::server
