#include "server/ConfigLoader.h"

#include <gtest/gtest.h>

#include <fstream>

#include "server/ConfigKeys.h"

namespace wshub::server {
namespace {

// Loads TOML text under the name "config.toml", the way messages show it.
Config load(std::string_view text, Config config = {}) {
  load_config_text(text, "config.toml", config);
  return config;
}

// The ConfigError message for `text`, or a failure if it loads.
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

// Secrets are masked when rendered, so a rendered file never round-trips them.
void expect_same_values(const Config& a, const Config& b, bool skip_secrets = false) {
  for (const ConfigKey& key : config_keys()) {
    if (skip_secrets && key.secret) continue;
    EXPECT_EQ(key.load(a), key.load(b)) << key.name;
  }
}

constexpr std::string_view kEveryKey = R"(
[server]
listen = "[::1]:9001"
workers = 3
shutdown_timeout = "30s"
drain_delay = "5s"
api_listen = "127.0.0.1:9002"
advertise_address = "ws1.example.com:443"

[endpoints]
echo = true

[tls]
cert_file = "/etc/wshub/cert.pem"
key_file = "/etc/wshub/key.pem"

[websocket]
max_message_size = "1MiB"
max_frame_size = 65536
max_outbound_buffer = "512KiB"
handshake_timeout = "3s"
ping_interval = "1m"
pong_timeout = "20s"
close_timeout = "1500ms"
allowed_origins = ["https://example.com", "https://*.example.com"]
subprotocols = ["wshub.v1", "wshub.v0"]

[websocket.deflate]
enabled = false
server_max_window_bits = 10
client_max_window_bits = 11
server_no_context_takeover = true
client_no_context_takeover = true
level = 6

[http]
max_header_bytes = "16KiB"
max_headers = 32
max_body_bytes = 0
keepalive_timeout = "5s"

[log]
level = "debug"
format = "json"
components = ["net=trace", "conn=warn"]

[metrics]
enabled = false

[client]
allow_anonymous = true
connect_timeout = "3s"
max_subscriptions = 16
max_payload_size = "4KiB"
max_batch = 10
max_channel_length = 64

[limits]
max_connections = 5000
max_connections_per_ip = 20
max_connections_per_user = 5
user_limit_fail_open = false
accept_rate = 100
accept_burst = 300
message_rate = 20
message_burst = 40
max_refusals = 10
refusal_window = "30s"

[channels]
allow_unknown_namespaces = true
presence = true
join_leave = true
history_size = 50
history_ttl = "1m"
subscribe = "anyone"
publish = "authenticated"
read_presence = "token"
read_history = "nobody"

[backend]
timeout = "2s"
max_connections = 4
max_pending = 64

[api]
key = "an-api-key-of-at-least-16-bytes"

[admin]
enabled = true
password = "a-dashboard-password"

[demos]
enabled = true

[auth]
hmac_secret = "a-secret-of-at-least-thirty-two-bytes"
public_key_file = ["/etc/wshub/rsa.pem", "k1=/etc/wshub/ec.pem"]
jwks_file = "/etc/wshub/jwks.json"
audience = "app"
issuer = "https://login.example.com"
require_exp = false
leeway = "30s"
refresh_before = "2m"

[broker]
type = "redis"
redis_address = "10.0.0.5:6380"
redis_password = "redis-secret"
redis_database = 2
redis_prefix = "app1"
presence_ttl = "20s"
node_heartbeat = "2s"
nats_url = "nats://10.0.0.7:4222,nats://10.0.0.8:4222"
nats_user = "wshub"
nats_password = "nats-secret"
nats_token = "nats-token"
nats_prefix = "app1.prod"
store = "redis"

[ingest]
nats_subject = "app1.api"
nats_queue_group = "app1"
nats_url = "nats://10.0.0.9:4222"
redis_stream = "app1:api"
redis_group = "app1-nodes"
redis_consumer = "node-a"
redis_dead_letter_stream = "app1:api:dead"
redis_batch = 50
redis_block = "500ms"
redis_claim_idle = "30s"
)";

TEST(ConfigLoader, ReadsEveryKey) {
  Config c = load(kEveryKey);
  EXPECT_EQ(c.listen.host, "::1");
  EXPECT_EQ(c.listen.port, 9001);
  EXPECT_EQ(c.workers, 3u);
  EXPECT_EQ(c.shutdown_timeout, Duration(30'000));
  EXPECT_TRUE(c.echo_endpoint);
  EXPECT_EQ(c.tls.cert_file, "/etc/wshub/cert.pem");
  EXPECT_EQ(c.tls.key_file, "/etc/wshub/key.pem");
  EXPECT_EQ(c.websocket.max_message_size, 1024u * 1024);
  EXPECT_EQ(c.websocket.max_frame_size, 65536u);
  EXPECT_EQ(c.websocket.max_outbound_buffer, 512u * 1024);
  EXPECT_EQ(c.websocket.handshake_timeout, Duration(3'000));
  EXPECT_EQ(c.websocket.ping_interval, Duration(60'000));
  EXPECT_EQ(c.websocket.pong_timeout, Duration(20'000));
  EXPECT_EQ(c.websocket.close_timeout, Duration(1'500));
  EXPECT_EQ(c.websocket.allowed_origins,
            (std::vector<std::string>{"https://example.com", "https://*.example.com"}));
  EXPECT_EQ(c.websocket.subprotocols, (std::vector<std::string>{"wshub.v1", "wshub.v0"}));
  EXPECT_FALSE(c.websocket.deflate.enabled);
  EXPECT_EQ(c.websocket.deflate.server_max_window_bits, 10);
  EXPECT_EQ(c.websocket.deflate.client_max_window_bits, 11);
  EXPECT_TRUE(c.websocket.deflate.server_no_context_takeover);
  EXPECT_TRUE(c.websocket.deflate.client_no_context_takeover);
  EXPECT_EQ(c.websocket.deflate.level, 6);
  EXPECT_EQ(c.http.max_header_bytes, 16u * 1024);
  EXPECT_EQ(c.http.max_headers, 32u);
  EXPECT_EQ(c.http.max_body_bytes, 0u);
  EXPECT_EQ(c.log.level, "debug");
  EXPECT_EQ(c.log.format, "json");
  EXPECT_TRUE(c.client.allow_anonymous);
  EXPECT_EQ(c.client.max_payload_size, 4096u);
  EXPECT_EQ(c.client.max_channel_length, 64u);
  EXPECT_EQ(c.limits.max_connections, 5000u);
  EXPECT_EQ(c.limits.max_connections_per_ip, 20u);
  EXPECT_EQ(c.limits.max_connections_per_user, 5u);
  EXPECT_EQ(c.limits.accept_rate, 100u);
  EXPECT_EQ(c.limits.accept_burst, 300u);
  EXPECT_EQ(c.limits.message_rate, 20u);
  EXPECT_EQ(c.limits.message_burst, 40u);
  EXPECT_EQ(c.limits.max_refusals, 10u);
  EXPECT_EQ(c.limits.refusal_window, Duration(30'000));
  EXPECT_EQ(c.channels.read_presence, hub::Access::token);
  EXPECT_EQ(c.backend.max_pending, 64u);
  EXPECT_EQ(c.auth.public_key_files, (std::vector<std::string>{"/etc/wshub/rsa.pem", "k1=/etc/wshub/ec.pem"}));
  EXPECT_EQ(c.auth.leeway, Duration(30'000));
  EXPECT_EQ(c.auth.refresh_before, Duration(120'000));
  ASSERT_TRUE(c.api_listen.has_value());
  EXPECT_EQ(c.api_listen->host, "127.0.0.1");
  EXPECT_EQ(c.api_listen->port, 9002);
  EXPECT_EQ(c.api.key, "an-api-key-of-at-least-16-bytes");
  EXPECT_TRUE(c.admin.enabled);
  EXPECT_EQ(c.admin.password, "a-dashboard-password");
  EXPECT_TRUE(c.demos.enabled);
  EXPECT_EQ(c.http.keepalive_timeout, Duration(5'000));
  EXPECT_EQ(c.broker.type, "redis");
  EXPECT_EQ(c.broker.redis_address, "10.0.0.5:6380");
  EXPECT_EQ(c.broker.redis_database, 2u);
  EXPECT_EQ(c.broker.presence_ttl, Duration(20'000));
  EXPECT_EQ(c.broker.node_heartbeat, Duration(2'000));
  EXPECT_EQ(c.advertise_address, "ws1.example.com:443");
  EXPECT_FALSE(c.limits.user_limit_fail_open);
  EXPECT_EQ(c.broker.nats_url, "nats://10.0.0.7:4222,nats://10.0.0.8:4222");
  EXPECT_EQ(c.broker.nats_user, "wshub");
  EXPECT_EQ(c.broker.nats_password, "nats-secret");
  EXPECT_EQ(c.broker.nats_token, "nats-token");
  EXPECT_EQ(c.broker.nats_prefix, "app1.prod");
  EXPECT_EQ(c.broker.store, "redis");
  EXPECT_EQ(c.nats_ingest.subject, "app1.api");
  EXPECT_EQ(c.nats_ingest.queue_group, "app1");
  EXPECT_EQ(c.nats_ingest.url, "nats://10.0.0.9:4222");
  EXPECT_EQ(c.redis_ingest.stream, "app1:api");
  EXPECT_EQ(c.redis_ingest.group, "app1-nodes");
  EXPECT_EQ(c.redis_ingest.consumer, "node-a");
  EXPECT_EQ(c.redis_ingest.dead_letter_stream, "app1:api:dead");
  EXPECT_EQ(c.redis_ingest.batch, 50u);
  EXPECT_EQ(c.redis_ingest.block, Duration(500));
  EXPECT_EQ(c.redis_ingest.claim_idle, Duration(30'000));
  EXPECT_NE(load_error("[ingest]\nredis_group = \"\"\n").find("must not be empty"), std::string::npos);
  validate(c);
}

TEST(ConfigLoader, TopLevelBrokerIsShortForBrokerType) {
  EXPECT_EQ(load("broker = \"redis\"\n").broker.type, "redis");
  EXPECT_EQ(load("[broker]\ntype = \"memory\"\n").broker.type, "memory");
  EXPECT_EQ(load("broker = \"nats\"\n").broker.type, "nats");
  EXPECT_NE(load_error("broker = \"kafka\"\n").find("must be one of memory, redis, nats"), std::string::npos);
}

TEST(ConfigLoader, TheFixtureSetsEveryKeyToANonDefaultValue) {
  // Guards ReadsEveryKey and the round trip: a key added to the table must be added here.
  Config defaults;
  Config loaded = load(kEveryKey);
  for (const ConfigKey& key : config_keys()) EXPECT_NE(key.load(defaults), key.load(loaded)) << key.name;
}

TEST(ConfigLoader, LoadsOnTopOfExistingValues) {
  Config base;
  base.workers = 7;
  base.log.level = "warn";
  Config c = load("[log]\nlevel = \"error\"\n", base);
  EXPECT_EQ(c.workers, 7u);
  EXPECT_EQ(c.log.level, "error");
}

TEST(ConfigLoader, AcceptsDottedKeysAndInlineTables) {
  Config c = load("websocket.deflate.level = 9\nhttp = { max_headers = 10 }\n");
  EXPECT_EQ(c.websocket.deflate.level, 9);
  EXPECT_EQ(c.http.max_headers, 10u);
}

TEST(ConfigLoader, EmptyFileChangesNothing) {
  expect_same_values(load("# nothing\n"), Config{});
}

TEST(ConfigLoader, UnknownKeyNamesLineAndKeyWithAHint) {
  EXPECT_EQ(
      load_error("[server]\nworkers = 2\n\n[websocket]\nmax_mesage_size = 5\n"),
      "config.toml:5: unknown key 'websocket.max_mesage_size' (did you mean 'websocket.max_message_size'?)");
  EXPECT_EQ(load_error("listen = \"0.0.0.0:1\"\n"),
            "config.toml:1: unknown key 'listen' (did you mean 'server.listen'?)");
  EXPECT_EQ(load_error("\n\n[log]\ncolour = true\n"), "config.toml:4: unknown key 'log.colour'");
}

TEST(ConfigLoader, UnknownSectionNamesLine) {
  EXPECT_EQ(load_error("[server]\nworkers = 1\n[websoket]\nping_interval = \"1s\"\n"),
            "config.toml:3: unknown section [websoket] (did you mean [websocket]?)");
  EXPECT_EQ(load_error("[websocket.inflate]\nenabled = true\n"),
            "config.toml:1: unknown section [websocket.inflate] (did you mean [websocket.deflate]?)");
  EXPECT_EQ(load_error("[telemetry]\nport = 9\n"), "config.toml:1: unknown section [telemetry]");
}

TEST(ConfigLoader, WrongTypesNameTheExpectedAndActualType) {
  EXPECT_EQ(load_error("\n\n[server]\nworkers = \"4\"\n"),
            "config.toml:4: server.workers: expected an integer, got string");
  EXPECT_EQ(load_error("[endpoints]\necho = \"yes\"\n"),
            "config.toml:2: endpoints.echo: expected a boolean (true or false), got string");
  EXPECT_EQ(load_error("[server]\nlisten = 8080\n"),
            "config.toml:2: server.listen: expected a string, got integer");
  EXPECT_EQ(load_error("[websocket]\nmax_frame_size = 1.5\n"),
            "config.toml:2: websocket.max_frame_size: expected a size (an integer of bytes or a string like "
            "\"16MiB\"), "
            "got float");
  EXPECT_EQ(load_error("[websocket]\nallowed_origins = \"https://a\"\n"),
            "config.toml:2: websocket.allowed_origins: expected an array of strings, got string");
  EXPECT_EQ(
      load_error("[websocket]\nsubprotocols = [\"a\", 1]\n"),
      "config.toml:2: websocket.subprotocols: expected an array of strings, got an array containing integer");
  EXPECT_EQ(load_error("websocket = 3\n"),
            "config.toml:1: 'websocket' is a section; expected a table, got integer");
  EXPECT_EQ(load_error("[server.workers]\n"),
            "config.toml:1: server.workers: expected an integer, got table");
}

TEST(ConfigLoader, DurationsNeedAUnit) {
  EXPECT_EQ(load_error("[websocket]\nping_interval = 10\n"),
            "config.toml:2: websocket.ping_interval: expected a duration with a unit, like \"10s\"; a bare "
            "integer is "
            "ambiguous (units: ms, s, m, h)");
  EXPECT_NE(load_error("[websocket]\nping_interval = \"10\"\n")
                .find("config.toml:2: websocket.ping_interval: duration \"10\" has no unit"),
            std::string::npos);
  EXPECT_NE(load_error("[server]\nshutdown_timeout = \"soon\"\n").find("invalid duration \"soon\""),
            std::string::npos);
}

TEST(ConfigLoader, InvalidValuesNameKeyAndLine) {
  EXPECT_EQ(load_error("[server]\nlisten = \"0.0.0.0:70000\"\n"),
            "config.toml:2: server.listen: listen address \"0.0.0.0:70000\": port '70000' is not a number "
            "from 0 to "
            "65535");
  EXPECT_EQ(load_error("[websocket]\nmax_message_size = -1\n"),
            "config.toml:2: websocket.max_message_size: must not be negative, got -1");
  EXPECT_EQ(load_error("[websocket]\nmax_message_size = 0\n"),
            "config.toml:2: websocket.max_message_size: must be at least 1, got 0");
  EXPECT_NE(load_error("[websocket]\nmax_message_size = \"16MB\"\n").find("decimal unit"), std::string::npos);
  EXPECT_EQ(load_error("[websocket]\nping_interval = \"0s\"\n"),
            "config.toml:2: websocket.ping_interval: must be greater than zero");
  EXPECT_EQ(load_error("[server]\nworkers = 2000\n"),
            "config.toml:2: server.workers: must be between 0 and 1024, got 2000");
  EXPECT_EQ(load_error("[websocket.deflate]\nserver_max_window_bits = 8\n"),
            "config.toml:2: websocket.deflate.server_max_window_bits: must be between 9 and 15, got 8");
  EXPECT_EQ(load_error("[websocket.deflate]\nlevel = 0\n"),
            "config.toml:2: websocket.deflate.level: must be between 1 and 9, got 0");
  EXPECT_EQ(load_error("[log]\nlevel = \"verbose\"\n"),
            "config.toml:2: log.level: must be one of trace, debug, info, warn, error, off; got \"verbose\"");
  EXPECT_EQ(load_error("[log]\nformat = \"xml\"\n"),
            "config.toml:2: log.format: must be one of text, json; got \"xml\"");
  EXPECT_EQ(load_error("[websocket]\nsubprotocols = [\"\"]\n"),
            "config.toml:2: websocket.subprotocols: must not contain empty strings");
}

TEST(ConfigLoader, SyntaxErrorsNameTheLine) {
  EXPECT_EQ(load_error("[server]\nworkers = \n").rfind("config.toml:2: syntax error: ", 0), 0u);
  EXPECT_EQ(load_error("[server]\nworkers = 1\nworkers = 2\n").rfind("config.toml:3: syntax error: ", 0), 0u);
}

TEST(ConfigLoader, FileErrorsNameThePath) {
  Config config;
  try {
    load_config_file("/nonexistent/wshub.toml", config);
    FAIL() << "loaded a missing file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()),
              "cannot read config file /nonexistent/wshub.toml: No such file or directory");
  }
  std::string path = ::testing::TempDir() + "wshub_loader_test.toml";
  std::ofstream(path) << "[server]\n\nworkers = \"x\"\n";
  try {
    load_config_file(path, config);
    FAIL() << "loaded a bad file";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), path + ":3: server.workers: expected an integer, got string");
  }
}

TEST(ConfigLoader, RecordsTheFilePath) {
  std::string path = ::testing::TempDir() + "wshub_loader_path.toml";
  std::ofstream(path) << "[server]\nworkers = 2\n";
  Config config;
  load_config_file(path, config);
  EXPECT_EQ(config.config_file, path);
  EXPECT_EQ(config.workers, 2u);
}

TEST(ConfigLoader, DevModeSetsItsDefaults) {
  Config c;
  c.websocket.allowed_origins = {"https://example.com"};
  apply_dev_mode(c);
  EXPECT_TRUE(c.dev);
  EXPECT_EQ(c.listen.host, "127.0.0.1");
  EXPECT_EQ(c.listen.port, 8080);
  EXPECT_TRUE(c.echo_endpoint);
  EXPECT_TRUE(c.websocket.allowed_origins.empty());
  // A playground for load generators on loopback: the node, address, accept and message
  // rate limits are off; the per-user cap stays.
  EXPECT_EQ(c.limits.max_connections, 0u);
  EXPECT_EQ(c.limits.max_connections_per_ip, 0u);
  EXPECT_EQ(c.limits.accept_rate, 0u);
  EXPECT_EQ(c.limits.message_rate, 0u);
  EXPECT_EQ(c.limits.max_connections_per_user, Config{}.limits.max_connections_per_user);
  // The demos at /, signing in with the public dev token secret (server/DemoPages.h).
  EXPECT_TRUE(c.demos.enabled);
  EXPECT_EQ(c.auth.hmac_secret, kDevHmacSecret);
  validate(c);
}

TEST(ConfigLoader, FileValuesWinOverDevDefaults) {
  Config c;
  apply_dev_mode(c);
  c = load("[server]\nlisten = \"0.0.0.0:9000\"\n[endpoints]\necho = false\n", c);
  EXPECT_EQ(c.listen.port, 9000);
  EXPECT_FALSE(c.echo_endpoint);
  EXPECT_TRUE(c.dev);
}

TEST(ConfigLoader, ValidateAcceptsDefaults) {
  validate(Config{});
}

TEST(ConfigLoader, ValidateNeedsBothTlsFiles) {
  Config c;
  c.tls.cert_file = "cert.pem";
  EXPECT_THROW(validate(c), ConfigError);
  try {
    validate(c);
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("tls.cert_file is set but tls.key_file is not"), std::string::npos);
  }
  c.tls = {};
  c.tls.key_file = "key.pem";
  EXPECT_THROW(validate(c), ConfigError);
  c.tls.cert_file = "cert.pem";
  validate(c);
}

TEST(ConfigLoader, ValidateChecksFieldsSetInCodeAndListsEveryProblem) {
  Config c;
  c.workers = 5000;
  c.websocket.ping_interval = Duration(0);
  c.websocket.deflate.client_max_window_bits = 16;
  c.log.format = "xml";
  c.listen.host = "";
  try {
    validate(c);
    FAIL() << "validated";
  } catch (const ConfigError& e) {
    std::string message = e.what();
    for (const char* part :
         {"server.workers: must be between 0 and 1024", "websocket.ping_interval: must be greater",
          "websocket.deflate.client_max_window_bits: must be between 9 and 15", "log.format",
          "server.listen"}) {
      EXPECT_NE(message.find(part), std::string::npos) << part << " in\n" << message;
    }
  }
}

TEST(ConfigLoader, RenderRoundTripsDefaults) {
  std::string text = render_config(Config{});
  expect_same_values(load(text), Config{});
}

TEST(ConfigLoader, RenderRoundTripsEveryKey) {
  Config original = load(kEveryKey);
  original.websocket.subprotocols.push_back("quote\"back\\slash\ttab");
  original.websocket.max_frame_size = 1000;  // not a multiple of 1 KiB: rendered as an integer
  std::string text = render_config(original);
  expect_same_values(load(text), original, /*skip_secrets=*/true);
  EXPECT_EQ(text.find("a-secret-of-at-least"), std::string::npos) << "secrets are masked";
  EXPECT_NE(text.find("hmac_secret = \"********\""), std::string::npos);
}

TEST(ConfigLoader, RenderIsReadableToml) {
  Config c;
  c.config_file = "/etc/wshub.toml";
  std::string text = render_config(c);
  for (const char* line : {"[server]\nlisten = \"0.0.0.0:8000\"\nworkers = 0\nshutdown_timeout = \"10s\"\n",
                           "max_message_size = \"16MiB\"", "[websocket.deflate]\nenabled = true\n",
                           "allowed_origins = []", "(file: /etc/wshub.toml)"}) {
    EXPECT_NE(text.find(line), std::string::npos) << line << " in\n" << text;
  }
}

}  // namespace
}  // namespace wshub::server
