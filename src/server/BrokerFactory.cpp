#include "server/BrokerFactory.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "broker/MemoryBroker.h"
#include "broker/NatsBroker.h"
#include "broker/NatsRedisBroker.h"
#include "broker/RedisBroker.h"
#include "server/Server.h"

namespace wshub::server {
namespace {

std::unique_ptr<broker::RedisBroker> make_redis_broker(const BrokerConfig& config) {
  broker::RedisBrokerOptions options;
  options.address = config.redis_address;
  options.password = config.redis_password;
  options.database = static_cast<int>(config.redis_database);
  options.prefix = config.redis_prefix;
  options.presence_ttl = config.presence_ttl;
  try {
    auto broker = std::make_unique<broker::RedisBroker>(options);
    spdlog::info("broker: redis at {} (prefix \"{}\"){}", config.redis_address, config.redis_prefix,
                 broker->connected() ? "" : ", not reachable yet");
    return broker;
  } catch (const std::runtime_error& e) {
    throw StartupError(std::string("broker: ") + e.what());
  }
}

// NATS carries publications; with store = "redis", history and presence live in Redis
// (broker/NatsRedisBroker.h). Without a store, validate() has refused namespaces that
// need one (server/BrokerConfigCheck.h).
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
  return std::make_unique<broker::NatsRedisBroker>(std::move(nats), make_redis_broker(config));
}

}  // namespace

std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config) {
  if (config.type == "redis") return make_redis_broker(config);
  if (config.type == "nats") return make_nats_broker(config);
  return std::make_unique<broker::MemoryBroker>();
}

}  // namespace wshub::server
