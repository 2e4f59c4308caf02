// broker.type = "nats" without a store refuses the namespaces NATS cannot serve, naming the
// key and the fix; with store = "redis" they are accepted (server/BrokerConfigCheck.h).
#include "server/BrokerConfigCheck.h"

#include <gtest/gtest.h>

#include "server/ConfigLoader.h"

namespace wshub::server {
namespace {

Config load(std::string_view text) {
  Config config;
  load_config_text(text, "config.toml", config);
  return config;
}

std::string validate_error(const Config& config) {
  try {
    validate(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return {};
}

constexpr std::string_view kNatsWithHistory = R"(
[broker]
type = "nats"
[channels]
history_size = 10
[namespaces.chat]
presence = true
join_leave = true
)";

TEST(BrokerConfigCheck, NatsWithoutAStoreRefusesHistoryAndPresenceNamingTheFix) {
  const std::string error = validate_error(load(kNatsWithHistory));
  EXPECT_NE(error.find("channels.history_size = 10: NATS keeps neither history nor presence"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("namespaces.chat.presence = true"), std::string::npos) << error;
  EXPECT_NE(error.find("broker.store = \"redis\""), std::string::npos) << error;
  // Join and leave events are carried by NATS: not a problem.
  EXPECT_EQ(error.find("join_leave"), std::string::npos) << error;
}

TEST(BrokerConfigCheck, NatsWithARedisStoreAcceptsThem) {
  Config config = load(kNatsWithHistory);
  config.broker.store = "redis";
  EXPECT_EQ(validate_error(config), "");
}

TEST(BrokerConfigCheck, OnlyNatsIsConcerned) {
  Config config = load("[channels]\nhistory_size = 10\npresence = true\n");
  EXPECT_TRUE(broker_config_problems(config).empty());
  config.broker.type = "redis";
  EXPECT_TRUE(broker_config_problems(config).empty());
  config.broker.type = "nats";
  EXPECT_EQ(broker_config_problems(config).size(), 2u);
}

TEST(BrokerConfigCheck, APrefixNatsCannotUseIsRefused) {
  Config config;
  config.broker.type = "nats";
  config.broker.nats_prefix = "a.*";
  EXPECT_NE(validate_error(config).find("broker.nats_prefix"), std::string::npos);
}

}  // namespace
}  // namespace wshub::server
