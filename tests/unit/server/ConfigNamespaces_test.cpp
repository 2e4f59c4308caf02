// [channels], [namespaces.<name>] and [routes]: the dynamic parts of the configuration.
#include <gtest/gtest.h>

#include "server/ConfigLoader.h"
#include "server/Node.h"

namespace wshub::server {
namespace {

Config load(std::string_view text, Config config = {}) {
  load_config_text(text, "config.toml", config);
  return config;
}

std::string load_error(std::string_view text) {
  Config config;
  try {
    load_config_text(text, "config.toml", config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  ADD_FAILURE() << "loaded without error:\n" << text;
  return {};
}

TEST(ConfigNamespaces, DefaultsAreLockedDown) {
  Config config;
  EXPECT_FALSE(config.client.allow_anonymous);
  EXPECT_EQ(config.channels.subscribe, hub::Access::authenticated);
  EXPECT_EQ(config.channels.publish, hub::Access::nobody);
  EXPECT_EQ(config.channels.history_size, 0u);
  EXPECT_FALSE(config.channels.presence);
}

TEST(ConfigNamespaces, ChannelsAndNamedNamespaces) {
  Config config = load(R"(
[channels]
history_size = 10
subscribe = "anyone"

[namespaces.chat]
publish = "authenticated"
presence = true
join_leave = true
history_size = 100
history_ttl = "10m"

[namespaces.game-1]
subscribe = "token"
)");
  EXPECT_EQ(config.channels.history_size, 10u);
  EXPECT_EQ(config.channels.subscribe, hub::Access::anyone);
  ASSERT_EQ(config.namespaces.size(), 2u);
  const hub::NamespaceOptions& chat = config.namespaces[0];
  EXPECT_EQ(chat.name, "chat");
  EXPECT_EQ(chat.publish, hub::Access::authenticated);
  EXPECT_TRUE(chat.presence);
  EXPECT_TRUE(chat.join_leave);
  EXPECT_EQ(chat.history_size, 100u);
  EXPECT_EQ(chat.history_ttl, std::chrono::minutes(10));
  // A namespace starts from the built-in defaults, not from [channels].
  EXPECT_EQ(chat.subscribe, hub::Access::authenticated);
  EXPECT_EQ(config.namespaces[1].name, "game-1");
  EXPECT_EQ(config.namespaces[1].subscribe, hub::Access::token);

  hub::HubOptions options = hub_options_from(config);
  ASSERT_NE(options.namespaces.find("chat"), nullptr);
  EXPECT_EQ(options.namespaces.find("chat")->history_size, 100u);
  EXPECT_EQ(options.namespaces.find(""), &options.namespaces.default_namespace());
  EXPECT_EQ(options.namespaces.find("nope"), nullptr);
}

TEST(ConfigNamespaces, ErrorsNameTheKeyAndLine) {
  EXPECT_EQ(load_error("[namespaces.chat]\npublsh = \"anyone\"\n"),
            "config.toml:2: unknown key 'namespaces.chat.publsh' (a namespace takes the keys of [channels])");
  EXPECT_EQ(load_error("[namespaces.chat]\npublish = \"everyone\"\n"),
            "config.toml:2: namespaces.chat.publish: must be one of nobody, authenticated, anyone, token; got "
            "\"everyone\"");
  EXPECT_EQ(load_error("[namespaces]\nchat = 1\n"),
            "config.toml:2: namespaces.chat: expected a table of [channels] keys");
  EXPECT_EQ(load_error("[namespaces.\"a:b\"]\npresence = true\n"),
            "config.toml:1: namespaces.a:b: a namespace name is letters, digits, _ and -");
  EXPECT_EQ(load_error("[channels]\nsubscribe = \"all\"\n"),
            "config.toml:2: channels.subscribe: must be one of nobody, authenticated, anyone, token; got \"all\"");
}

TEST(ConfigNamespaces, Routes) {
  Config config = load("[routes]\nchat_message = \"http://127.0.0.1:9000/chat\"\n");
  ASSERT_EQ(config.routes.size(), 1u);
  EXPECT_EQ(config.routes.at("chat_message"), "http://127.0.0.1:9000/chat");
  EXPECT_EQ(load_error("[routes]\nx = \"https://a/b\"\n"),
            "config.toml:2: routes.x: only http:// back-ends are supported, got \"https://a/b\"");
  EXPECT_EQ(load_error("[routes]\nx = 3\n"), "config.toml:2: routes.x: expected a URL string");
}

TEST(ConfigNamespaces, PrintedConfigReadsBack) {
  Config config = load(R"(
[namespaces.chat]
presence = true
history_size = 7
[routes]
t = "http://127.0.0.1:1/x"
)");
  Config again = load(render_config(config));
  ASSERT_EQ(again.namespaces.size(), 1u);
  EXPECT_EQ(again.namespaces[0].name, "chat");
  EXPECT_TRUE(again.namespaces[0].presence);
  EXPECT_EQ(again.namespaces[0].history_size, 7u);
  EXPECT_EQ(again.routes, config.routes);
}

TEST(ConfigNamespaces, DevModeIsAPlayground) {
  Config config;
  apply_dev_mode(config);
  EXPECT_TRUE(config.client.allow_anonymous);
  EXPECT_TRUE(config.channels.presence);
  EXPECT_TRUE(config.channels.join_leave);
  EXPECT_EQ(config.channels.history_size, 100u);
  EXPECT_EQ(config.channels.history_ttl, std::chrono::minutes(5));
  EXPECT_EQ(config.channels.subscribe, hub::Access::anyone);
  EXPECT_EQ(config.channels.publish, hub::Access::anyone);
  EXPECT_TRUE(config.allow_unknown_namespaces);
  hub::HubOptions options = hub_options_from(config);
  EXPECT_EQ(options.namespaces.find("anything"), &options.namespaces.default_namespace());
}

}  // namespace
}  // namespace wshub::server
