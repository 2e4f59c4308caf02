#pragma once
// The rule between [broker] and the namespaces: NATS carries publications only, so with
// broker.type = "nats" and no store a namespace that keeps history or presence cannot work
// (docs/clustering.md, "NATS"). Refused at start-up, naming the fix, instead of failing
// every subscribe with recovery or presence call at run time.
#include <string>
#include <vector>

#include "server/Config.h"

namespace wshub::server {

// One line per problem ("channels.history_size: ..."); empty when the combination works.
std::vector<std::string> broker_config_problems(const Config& config);

}  // namespace wshub::server
