#include "server/BrokerConfigCheck.h"

#include "broker/NatsSubject.h"

namespace wshub::server {

std::vector<std::string> broker_config_problems(const Config& config) {
  std::vector<std::string> problems;
  if (config.broker.type != "nats") return problems;
  if (!broker::nats_subject::valid_prefix(config.broker.nats_prefix)) {
    problems.push_back("broker.nats_prefix: dot-separated tokens of letters, digits, _ and -; got \"" +
                       config.broker.nats_prefix + "\"");
  }
  if (config.broker.store == "redis") return problems;
  constexpr const char* kFix =
      "NATS keeps neither history nor presence: set broker.store = \"redis\" (with broker.redis_address) to "
      "keep them in Redis, or turn it off for broker.type = \"nats\"";
  auto check = [&](const hub::NamespaceOptions& ns) {
    const std::string where = ns.name.empty() ? "channels." : "namespaces." + ns.name + ".";
    if (ns.history_size > 0)
      problems.push_back(where + "history_size = " + std::to_string(ns.history_size) + ": " + kFix);
    if (ns.presence) problems.push_back(where + "presence = true: " + kFix);
  };
  check(config.channels);
  for (const hub::NamespaceOptions& ns : config.namespaces) check(ns);
  return problems;
}

}  // namespace wshub::server
