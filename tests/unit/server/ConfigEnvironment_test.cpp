// apply_environment and apply_setting: the WSHUB_<SECTION>_<KEY> convention.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "server/ConfigKeys.h"
#include "server/ConfigLoader.h"

namespace wshub::server {
namespace {

// An environ-style array that owns its strings.
class Environment {
 public:
  Environment(std::initializer_list<std::string> entries) : entries_(entries) {
    for (std::string& entry : entries_) pointers_.push_back(entry.data());
    pointers_.push_back(nullptr);
  }
  char** envp() { return pointers_.data(); }

 private:
  std::vector<std::string> entries_;
  std::vector<char*> pointers_;
};

Config apply(Environment env, Config config = {}) {
  apply_environment(env.envp(), config);
  return config;
}

std::string apply_error(Environment env) {
  Config config;
  try {
    apply_environment(env.envp(), config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "applied without error";
  return {};
}

TEST(ConfigEnvironment, NamesFollowTheConvention) {
  EXPECT_EQ(find_config_key("server.listen")->environment_name(), "WSHUB_SERVER_LISTEN");
  EXPECT_EQ(find_config_key("websocket.max_message_size")->environment_name(),
            "WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE");
  EXPECT_EQ(find_config_key("tls.cert_file")->environment_name(), "WSHUB_TLS_CERT_FILE");
  EXPECT_EQ(find_config_key("websocket.deflate.enabled")->environment_name(),
            "WSHUB_WEBSOCKET_DEFLATE_ENABLED");
  EXPECT_EQ(find_config_key("log.level")->environment_name(), "WSHUB_LOG_LEVEL");
}

TEST(ConfigEnvironment, EnvironmentNamesAreUnique) {
  std::set<std::string> names;
  for (const ConfigKey& key : config_keys())
    EXPECT_TRUE(names.insert(key.environment_name()).second) << key.name;
}

TEST(ConfigEnvironment, AppliesEveryType) {
  Config c =
      apply({"WSHUB_SERVER_LISTEN=[::1]:9000", "WSHUB_SERVER_WORKERS=4", "WSHUB_SERVER_SHUTDOWN_TIMEOUT=1m",
             "WSHUB_ENDPOINTS_ECHO=1", "WSHUB_TLS_CERT_FILE=/c.pem", "WSHUB_TLS_KEY_FILE=/k.pem",
             "WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE=1MiB", "WSHUB_WEBSOCKET_MAX_FRAME_SIZE=4096",
             "WSHUB_WEBSOCKET_ALLOWED_ORIGINS=https://a.example, https://b.example",
             "WSHUB_WEBSOCKET_DEFLATE_ENABLED=false", "WSHUB_WEBSOCKET_DEFLATE_LEVEL=9",
             "WSHUB_LOG_LEVEL=debug", "WSHUB_LOG_FORMAT=json"});
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_EQ(c.workers, 4u);
  EXPECT_EQ(c.shutdown_timeout, Duration(60'000));
  EXPECT_TRUE(c.echo_endpoint);
  EXPECT_TRUE(c.tls.enabled());
  EXPECT_EQ(c.websocket.max_message_size, 1024u * 1024);
  EXPECT_EQ(c.websocket.max_frame_size, 4096u);
  EXPECT_EQ(c.websocket.allowed_origins,
            (std::vector<std::string>{"https://a.example", "https://b.example"}));
  EXPECT_FALSE(c.websocket.deflate.enabled);
  EXPECT_EQ(c.websocket.deflate.level, 9);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
}

TEST(ConfigEnvironment, BooleansAcceptTrueFalseOneZero) {
  EXPECT_TRUE(apply({"WSHUB_ENDPOINTS_ECHO=true"}).echo_endpoint);
  EXPECT_TRUE(apply({"WSHUB_ENDPOINTS_ECHO=1"}).echo_endpoint);
  Config on;
  on.echo_endpoint = true;
  EXPECT_FALSE(apply({"WSHUB_ENDPOINTS_ECHO=false"}, on).echo_endpoint);
  EXPECT_FALSE(apply({"WSHUB_ENDPOINTS_ECHO=0"}, on).echo_endpoint);
  EXPECT_EQ(apply_error({"WSHUB_ENDPOINTS_ECHO=yes"}),
            "environment WSHUB_ENDPOINTS_ECHO: endpoints.echo: expected true, false, 1 or 0, got \"yes\"");
}

TEST(ConfigEnvironment, AnEmptyListClearsIt) {
  Config c;
  c.websocket.subprotocols = {"a"};
  EXPECT_TRUE(apply({"WSHUB_WEBSOCKET_SUBPROTOCOLS="}, c).websocket.subprotocols.empty());
  EXPECT_EQ(apply({"WSHUB_WEBSOCKET_SUBPROTOCOLS=one"}).websocket.subprotocols,
            std::vector<std::string>{"one"});
  EXPECT_EQ(
      apply_error({"WSHUB_WEBSOCKET_SUBPROTOCOLS=a,,b"}),
      "environment WSHUB_WEBSOCKET_SUBPROTOCOLS: websocket.subprotocols: must not contain empty strings");
}

TEST(ConfigEnvironment, ErrorsNameTheVariableAndTheKey) {
  EXPECT_EQ(apply_error({"WSHUB_SERVER_WORKERS=four"}),
            "environment WSHUB_SERVER_WORKERS: server.workers: expected an integer, got \"four\"");
  EXPECT_EQ(apply_error({"WSHUB_SERVER_WORKERS=4x"}),
            "environment WSHUB_SERVER_WORKERS: server.workers: expected an integer, got \"4x\"");
  EXPECT_EQ(
      apply_error({"WSHUB_SERVER_LISTEN=localhost"}),
      "environment WSHUB_SERVER_LISTEN: server.listen: listen address \"localhost\" has no port; expected "
      "\"HOST:PORT\", e.g. \"0.0.0.0:8000\"");
  EXPECT_EQ(apply_error({"WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE=-5"}),
            "environment WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE: websocket.max_message_size: must not be negative, "
            "got -5");
  EXPECT_NE(apply_error({"WSHUB_WEBSOCKET_PING_INTERVAL=30"}).find("duration \"30\" has no unit"),
            std::string::npos);
  EXPECT_EQ(apply_error({"WSHUB_LOG_LEVEL=loud"}),
            "environment WSHUB_LOG_LEVEL: log.level: must be one of trace, debug, info, warn, error, off; "
            "got \"loud\"");
}

TEST(ConfigEnvironment, UnknownVariablesAreErrorsWithAHint) {
  EXPECT_EQ(apply_error({"WSHUB_WEBSOCKET_MAX_MESAGE_SIZE=5"}),
            "unknown environment variable WSHUB_WEBSOCKET_MAX_MESAGE_SIZE (did you mean "
            "WSHUB_WEBSOCKET_MAX_MESSAGE_SIZE?); every WSHUB_* variable must name a configuration key "
            "(docs/configuration.md)");
  EXPECT_NE(apply_error({"WSHUB_AUTH_SECRET=x"}).find("unknown environment variable WSHUB_AUTH_SECRET;"),
            std::string::npos);
  EXPECT_NE(apply_error({"WSHUB_=x"}).find("unknown environment variable WSHUB_;"), std::string::npos);
}

TEST(ConfigEnvironment, IgnoresOtherVariablesAndToolVariables) {
  Config c = apply({"PATH=/usr/bin", "HOME=/root", "wshub_server_workers=9", "WSHUB_BIN=/build/wshub",
                    "WSHUB_BENCH_BIN=/build/wshub-bench", "NOEQUALS", "WSHUB_SERVER_WORKERS=2"});
  EXPECT_EQ(c.workers, 2u);
}

TEST(ConfigEnvironment, NullEnvironmentIsEmpty) {
  Config c;
  apply_environment(nullptr, c);
  EXPECT_EQ(c.workers, 0u);
}

TEST(ConfigEnvironment, OverridesOnlyTheKeysItNames) {
  Config c;
  load_config_text("[server]\nworkers = 3\nlisten = \"0.0.0.0:1\"\n", "config.toml", c);
  apply_environment(Environment{"WSHUB_SERVER_WORKERS=5"}.envp(), c);
  EXPECT_EQ(c.workers, 5u);
  EXPECT_EQ(c.listen.port, 1);
}

TEST(ConfigEnvironment, ApplySettingRejectsUnknownKeys) {
  Config c;
  EXPECT_THROW(apply_setting("server.nope", "1", "--nope", c), ConfigError);
  apply_setting("server.listen", "localhost:1", "--listen", c);
  EXPECT_EQ(c.listen.host, "localhost");
}

}  // namespace
}  // namespace wshub::server
