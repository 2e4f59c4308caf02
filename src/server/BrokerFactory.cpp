#include "server/BrokerFactory.h"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "broker/MemoryBroker.h"
#include "broker/RedisBroker.h"
#include "server/Server.h"

namespace wshub::server {

std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config) {
  if (config.type != "redis") return std::make_unique<broker::MemoryBroker>();
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

}  // namespace wshub::server
