#include "server/BrokerFactory.h"

#include <spdlog/spdlog.h>

#include <stdexcept>
#include <string_view>
#include <vector>

#include "broker/MemoryBroker.h"
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

}  // namespace

std::unique_ptr<hub::Broker> make_broker(const BrokerConfig& config) {
  if (config.type != "redis") return std::make_unique<broker::MemoryBroker>();
  std::vector<std::unique_ptr<hub::Broker>> shards;
  for (const auto& address : split_addresses(config.redis_address)) {
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
      shards.push_back(std::move(broker));
    } catch (const std::runtime_error& e) {
      throw StartupError(std::string("broker: ") + e.what());
    }
  }
  if (shards.size() == 1) return std::move(shards.front());
  spdlog::info("broker: {} redis shards, channels placed by jump consistent hash", shards.size());
  return std::make_unique<broker::ShardedBroker>(std::move(shards));
}

}  // namespace wshub::server
