#include "server/ConfigKeys.h"

#include "server/LogComponents.h"

#include <algorithm>
#include <limits>
#include <type_traits>

#include "server/ListenAddress.h"

namespace wshub::server {
namespace {

// Field accessors are generic lambdas `[](auto& c) -> auto& { return c.field; }` so one
// accessor serves both store (Config&) and load (const Config&).

template <class Field>
ConfigKey boolean_key(std::string_view name, std::string_view help, Field field) {
  return ConfigKey{name,
                   ValueType::Boolean,
                   help,
                   false,
                   [](const ConfigValue&) { return std::optional<std::string>(); },
                   [field](Config& c, const ConfigValue& v) { field(c) = std::get<bool>(v); },
                   [field](const Config& c) { return ConfigValue(field(c)); }};
}

template <class Field>
ConfigKey integer_key(std::string_view name, std::string_view help, int64_t min, int64_t max, Field field,
                      ValueType type = ValueType::Integer) {
  return ConfigKey{name,
                   type,
                   help,
                   false,
                   [min, max](const ConfigValue& v) -> std::optional<std::string> {
                     int64_t n = std::get<int64_t>(v);
                     if (n >= min && n <= max) return std::nullopt;
                     if (n < 0 && min >= 0) return "must not be negative, got " + std::to_string(n);
                     if (max == std::numeric_limits<int64_t>::max()) {
                       return "must be at least " + std::to_string(min) + ", got " + std::to_string(n);
                     }
                     return "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                            ", got " + std::to_string(n);
                   },
                   [field](Config& c, const ConfigValue& v) {
                     using T = std::remove_reference_t<decltype(field(c))>;
                     field(c) = static_cast<T>(std::get<int64_t>(v));
                   },
                   [field](const Config& c) { return ConfigValue(static_cast<int64_t>(field(c))); }};
}

template <class Field>
ConfigKey byte_size_key(std::string_view name, std::string_view help, int64_t min, Field field) {
  return integer_key(name, help, min, std::numeric_limits<int64_t>::max(), field, ValueType::ByteSize);
}

template <class Field>
ConfigKey duration_key(std::string_view name, std::string_view help, Duration min, Field field) {
  return ConfigKey{name,
                   ValueType::Duration,
                   help,
                   false,
                   [min](const ConfigValue& v) -> std::optional<std::string> {
                     if (std::get<Duration>(v) >= min) return std::nullopt;
                     return min.count() == 0 ? "must not be negative" : "must be greater than zero";
                   },
                   [field](Config& c, const ConfigValue& v) { field(c) = std::get<Duration>(v); },
                   [field](const Config& c) { return ConfigValue(field(c)); }};
}

template <class Field>
ConfigKey string_key(std::string_view name, std::string_view help, Field field) {
  return ConfigKey{name,
                   ValueType::String,
                   help,
                   false,
                   [](const ConfigValue&) { return std::optional<std::string>(); },
                   [field](Config& c, const ConfigValue& v) { field(c) = std::get<std::string>(v); },
                   [field](const Config& c) { return ConfigValue(field(c)); }};
}

// A string restricted to a few words (log level, log format).
template <class Field>
ConfigKey choice_key(std::string_view name, std::string_view help, std::span<const std::string_view> words,
                     Field field) {
  ConfigKey key = string_key(name, help, field);
  key.check = [words](const ConfigValue& v) -> std::optional<std::string> {
    const std::string& word = std::get<std::string>(v);
    if (std::find(words.begin(), words.end(), word) != words.end()) return std::nullopt;
    std::string list;
    for (std::string_view w : words) list += (list.empty() ? "" : ", ") + std::string(w);
    return "must be one of " + list + "; got \"" + word + "\"";
  };
  return key;
}

template <class Field>
ConfigKey string_list_key(std::string_view name, std::string_view help, Field field) {
  return ConfigKey{
      name,
      ValueType::StringList,
      help,
      false,
      [](const ConfigValue& v) -> std::optional<std::string> {
        for (const std::string& item : std::get<std::vector<std::string>>(v)) {
          if (item.empty()) return "must not contain empty strings";
        }
        return std::nullopt;
      },
      [field](Config& c, const ConfigValue& v) { field(c) = std::get<std::vector<std::string>>(v); },
      [field](const Config& c) { return ConfigValue(field(c)); }};
}

ConfigKey listen_key(std::string_view name, std::string_view help) {
  return ConfigKey{name,
                   ValueType::String,
                   help,
                   false,
                   [](const ConfigValue& v) -> std::optional<std::string> {
                     std::string error;
                     if (parse_listen_address(std::get<std::string>(v), error)) return std::nullopt;
                     return error;
                   },
                   [](Config& c, const ConfigValue& v) {
                     std::string error;
                     c.listen = *parse_listen_address(std::get<std::string>(v), error);
                   },
                   [](const Config& c) { return ConfigValue(format_listen_address(c.listen)); }};
}

// An optional second address; "" leaves it unset.
ConfigKey optional_listen_key(std::string_view name, std::string_view help) {
  return ConfigKey{name,
                   ValueType::String,
                   help,
                   false,
                   [](const ConfigValue& v) -> std::optional<std::string> {
                     std::string error;
                     const std::string& s = std::get<std::string>(v);
                     if (s.empty() || parse_listen_address(s, error)) return std::nullopt;
                     return error;
                   },
                   [](Config& c, const ConfigValue& v) {
                     std::string error;
                     const std::string& s = std::get<std::string>(v);
                     if (s.empty()) {
                       c.api_listen.reset();
                     } else {
                       c.api_listen = *parse_listen_address(s, error);
                     }
                   },
                   [](const Config& c) {
                     return ConfigValue(c.api_listen ? format_listen_address(*c.api_listen) : std::string());
                   }};
}

// A string key that must not be empty.
ConfigKey non_empty(ConfigKey key) {
  key.check = [](const ConfigValue& v) -> std::optional<std::string> {
    if (std::get<std::string>(v).empty()) return "must not be empty";
    return std::nullopt;
  };
  return key;
}

// A key whose value --print-config masks (keys, secrets).
ConfigKey secret_key(ConfigKey key) {
  key.secret = true;
  return key;
}

// Who may do something in a namespace: nobody, authenticated, anyone, token.
template <class Field>
ConfigKey access_key(std::string_view name, std::string_view help, Field field) {
  return ConfigKey{name,
                   ValueType::String,
                   help,
                   false,
                   [](const ConfigValue& v) -> std::optional<std::string> {
                     const std::string& word = std::get<std::string>(v);
                     if (hub::parse_access(word)) return std::nullopt;
                     return "must be one of nobody, authenticated, anyone, token; got \"" + word + "\"";
                   },
                   [field](Config& c, const ConfigValue& v) { field(c) = *hub::parse_access(std::get<std::string>(v)); },
                   [field](const Config& c) { return ConfigValue(std::string(hub::access_name(field(c)))); }};
}

constexpr std::string_view kLogLevels[] = {"trace", "debug", "info", "warn", "error", "off"};
constexpr std::string_view kLogFormats[] = {"text", "json"};
constexpr std::string_view kBrokerTypes[] = {"memory", "redis", "nats"};
constexpr std::string_view kBrokerStores[] = {"none", "redis"};
constexpr int64_t kMaxWorkers = 1024;

// log.components: ["net=debug", ...], checked against the known components and levels.
ConfigKey log_components_key() {
  ConfigKey key = string_list_key(
      "log.components", "a level per component, [\"net=debug\", \"conn=warn\"]: net, conn, hub, backend",
      [](auto& c) -> auto& { return c.log.components; });
  key.check = [](const ConfigValue& v) -> std::optional<std::string> {
    std::string error;
    if (parse_component_levels(std::get<std::vector<std::string>>(v), error)) return std::nullopt;
    return error;
  };
  return key;
}

std::vector<ConfigKey> make_keys() {
  constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();
  constexpr Duration kPositive{1};
  return {
      listen_key("server.listen", "address to listen on: \"HOST:PORT\", \"[IPV6]:PORT\" or \"NAME:PORT\""),
      integer_key(
          "server.workers", "worker threads, each with its own event loop; 0 = one per CPU core", 0,
          kMaxWorkers, [](auto& c) -> auto& { return c.workers; }),
      duration_key(
          "server.shutdown_timeout", "how long SIGTERM waits for connections to close", Duration{0},
          [](auto& c) -> auto& { return c.shutdown_timeout; }),
      duration_key(
          "server.drain_delay",
          "on SIGTERM, how long /readyz answers 503 before connections are closed (0s in --dev)", Duration{0},
          [](auto& c) -> auto& { return c.drain_delay; }),
      optional_listen_key("server.api_listen",
                          "separate address for the server API (/api/), plain HTTP for the internal network; "
                          "empty: the API is on server.listen"),
      string_key(
          "server.advertise_address",
          "where clients reach this node, as the cluster's node list (`info`) shows it; empty: server.listen",
          [](auto& c) -> auto& { return c.advertise_address; }),

      boolean_key(
          "endpoints.echo", "serve /echo, which sends every message back",
          [](auto& c) -> auto& { return c.echo_endpoint; }),

      string_key(
          "tls.cert_file", "PEM certificate chain; TLS is on when cert_file and key_file are set",
          [](auto& c) -> auto& { return c.tls.cert_file; }),
      string_key(
          "tls.key_file", "PEM private key for cert_file", [](auto& c) -> auto& { return c.tls.key_file; }),

      byte_size_key(
          "websocket.max_message_size", "largest message after decompression; larger closes with 1009", 1,
          [](auto& c) -> auto& { return c.websocket.max_message_size; }),
      byte_size_key(
          "websocket.max_frame_size", "largest frame payload on the wire; larger closes with 1009", 1,
          [](auto& c) -> auto& { return c.websocket.max_frame_size; }),
      byte_size_key(
          "websocket.max_outbound_buffer", "bytes queued for a slow client before it is disconnected", 1,
          [](auto& c) -> auto& { return c.websocket.max_outbound_buffer; }),
      duration_key(
          "websocket.handshake_timeout", "time allowed from TCP accept to a completed upgrade", kPositive,
          [](auto& c) -> auto& { return c.websocket.handshake_timeout; }),
      duration_key(
          "websocket.ping_interval", "send a ping after this much silence from the client", kPositive,
          [](auto& c) -> auto& { return c.websocket.ping_interval; }),
      duration_key(
          "websocket.pong_timeout", "close the connection if the client stays silent this long after a ping",
          kPositive, [](auto& c) -> auto& { return c.websocket.pong_timeout; }),
      duration_key(
          "websocket.close_timeout", "how long to wait for the client's close frame", kPositive,
          [](auto& c) -> auto& { return c.websocket.close_timeout; }),
      string_list_key(
          "websocket.allowed_origins", "Origin patterns accepted at the handshake; empty = any origin",
          [](auto& c) -> auto& { return c.websocket.allowed_origins; }),
      string_list_key(
          "websocket.subprotocols", "supported Sec-WebSocket-Protocol values, preferred first",
          [](auto& c) -> auto& { return c.websocket.subprotocols; }),

      boolean_key(
          "websocket.deflate.enabled", "negotiate permessage-deflate (RFC 7692)",
          [](auto& c) -> auto& { return c.websocket.deflate.enabled; }),
      integer_key(
          "websocket.deflate.server_max_window_bits", "largest LZ77 window our compressor uses (9..15)", 9,
          15, [](auto& c) -> auto& { return c.websocket.deflate.server_max_window_bits; }),
      integer_key(
          "websocket.deflate.client_max_window_bits", "largest LZ77 window we ask clients to use (9..15)", 9,
          15, [](auto& c) -> auto& { return c.websocket.deflate.client_max_window_bits; }),
      boolean_key(
          "websocket.deflate.server_no_context_takeover",
          "compress every outgoing message independently (less memory, worse ratio)",
          [](auto& c) -> auto& { return c.websocket.deflate.server_no_context_takeover; }),
      boolean_key(
          "websocket.deflate.client_no_context_takeover",
          "ask clients to compress every message independently (less memory per connection)",
          [](auto& c) -> auto& { return c.websocket.deflate.client_no_context_takeover; }),
      integer_key(
          "websocket.deflate.level", "zlib compression level, 1 (fastest) to 9 (smallest)", 1, 9,
          [](auto& c) -> auto& { return c.websocket.deflate.level; }),

      byte_size_key(
          "http.max_header_bytes", "largest request head (request line and headers); larger gets 431", 1,
          [](auto& c) -> auto& { return c.http.max_header_bytes; }),
      integer_key(
          "http.max_headers", "most header fields in a request; more gets 431", 1, kUnbounded,
          [](auto& c) -> auto& { return c.http.max_headers; }),
      byte_size_key(
          "http.max_body_bytes", "largest request body; larger gets 413", 0,
          [](auto& c) -> auto& { return c.http.max_body_bytes; }),
      duration_key(
          "http.keepalive_timeout", "how long an idle keep-alive HTTP connection is kept between requests",
          kPositive, [](auto& c) -> auto& { return c.http.keepalive_timeout; }),

      choice_key(
          "log.level", "least severe level written: trace, debug, info, warn, error or off", kLogLevels,
          [](auto& c) -> auto& { return c.log.level; }),
      choice_key(
          "log.format", "text (one line for people) or json (one object per line for collectors)",
          kLogFormats, [](auto& c) -> auto& { return c.log.format; }),
      log_components_key(),

      boolean_key(
          "metrics.enabled",
          "serve Prometheus metrics at GET /metrics (no API key: firewall it or use api_listen)",
          [](auto& c) -> auto& { return c.metrics.enabled; }),

      boolean_key(
          "client.allow_anonymous", "connections may use `anyone` namespaces without a token",
          [](auto& c) -> auto& { return c.client.allow_anonymous; }),
      duration_key(
          "client.connect_timeout", "without allow_anonymous: time allowed to send connect (else 4005)",
          kPositive, [](auto& c) -> auto& { return c.client.connect_timeout; }),
      integer_key(
          "client.max_subscriptions", "channels one connection may subscribe to", 1, kUnbounded,
          [](auto& c) -> auto& { return c.client.max_subscriptions; }),
      byte_size_key(
          "client.max_payload_size", "largest encoded payload in one request; larger gets error 106", 1,
          [](auto& c) -> auto& { return c.client.max_payload_size; }),
      integer_key(
          "client.max_batch", "most commands in one frame (a JSON array); more get error 106", 1, 10000,
          [](auto& c) -> auto& { return c.client.max_batch; }),
      integer_key(
          "client.max_channel_length", "longest channel name in bytes; longer gets error 106", 1, 4096,
          [](auto& c) -> auto& { return c.client.max_channel_length; }),

      integer_key(
          "limits.max_connections",
          "open WebSocket connections on this node; more get HTTP 429; 0 = no limit", 0, kUnbounded,
          [](auto& c) -> auto& { return c.limits.max_connections; }),
      integer_key(
          "limits.max_connections_per_ip",
          "open WebSocket connections from one client address; more get HTTP 429; 0 = no limit", 0,
          kUnbounded, [](auto& c) -> auto& { return c.limits.max_connections_per_ip; }),
      integer_key(
          "limits.max_connections_per_user",
          "connections of one user (on the whole cluster with the redis broker); the extra one is closed "
          "with 4029; "
          "0 = no limit",
          0, kUnbounded, [](auto& c) -> auto& { return c.limits.max_connections_per_user; }),
      boolean_key(
          "limits.user_limit_fail_open",
          "when Redis cannot be asked for the cluster-wide user count: admit on this node's count (true) or "
          "refuse "
          "the connect with error 113 (false)",
          [](auto& c) -> auto& { return c.limits.user_limit_fail_open; }),
      integer_key(
          "limits.accept_rate",
          "new connections a second on this node (token bucket); more are refused; 0 = no limit", 0,
          kUnbounded, [](auto& c) -> auto& { return c.limits.accept_rate; }),
      integer_key(
          "limits.accept_burst", "new connections admitted at once above accept_rate", 1, kUnbounded,
          [](auto& c) -> auto& { return c.limits.accept_burst; }),
      integer_key(
          "limits.message_rate",
          "requests a second per connection (token bucket); more get error 111; 0 = no limit", 0, kUnbounded,
          [](auto& c) -> auto& { return c.limits.message_rate; }),
      integer_key(
          "limits.message_burst", "requests a connection may send at once above message_rate", 1, kUnbounded,
          [](auto& c) -> auto& { return c.limits.message_burst; }),
      integer_key(
          "limits.max_refusals",
          "requests refused with 111 within refusal_window that close the connection with 4029; 0 = never "
          "close",
          0, kUnbounded, [](auto& c) -> auto& { return c.limits.max_refusals; }),
      duration_key(
          "limits.refusal_window", "the window in which max_refusals are counted", kPositive,
          [](auto& c) -> auto& { return c.limits.refusal_window; }),

      boolean_key(
          "channels.presence", "keep who is subscribed to each channel (presence requests)",
          [](auto& c) -> auto& { return c.channels.presence; }),
      boolean_key(
          "channels.join_leave", "push join and leave events to subscribers",
          [](auto& c) -> auto& { return c.channels.join_leave; }),
      integer_key(
          "channels.history_size", "publications kept per channel for history and recovery; 0 = none", 0,
          1'000'000, [](auto& c) -> auto& { return c.channels.history_size; }),
      duration_key(
          "channels.history_ttl", "how long a publication stays in history", kPositive,
          [](auto& c) -> auto& { return c.channels.history_ttl; }),
      boolean_key(
          "channels.allow_unknown_namespaces",
          "channels in a namespace that is not configured use these options instead of error 102",
          [](auto& c) -> auto& { return c.allow_unknown_namespaces; }),
      access_key(
          "channels.subscribe", "who may subscribe: nobody, authenticated, anyone or token",
          [](auto& c) -> auto& { return c.channels.subscribe; }),
      access_key(
          "channels.publish",
          "which clients may publish: nobody, authenticated, anyone or token (= subscribers)",
          [](auto& c) -> auto& { return c.channels.publish; }),
      access_key(
          "channels.read_presence",
          "who may read presence: nobody, authenticated, anyone or token (= subscribers)",
          [](auto& c) -> auto& { return c.channels.read_presence; }),
      access_key(
          "channels.read_history",
          "who may read history: nobody, authenticated, anyone or token (= subscribers)",
          [](auto& c) -> auto& { return c.channels.read_history; }),

      duration_key(
          "backend.timeout", "time allowed for a back-end to answer a routed message (error 112 after)",
          kPositive, [](auto& c) -> auto& { return c.backend.timeout; }),
      integer_key(
          "backend.max_connections", "keep-alive connections per back-end and worker", 1, 1024,
          [](auto& c) -> auto& { return c.backend.max_connections; }),
      integer_key(
          "backend.max_pending", "routed messages waiting for a connection per worker; more get error 112", 1,
          kUnbounded, [](auto& c) -> auto& { return c.backend.max_pending; }),

      secret_key(string_key(
          "api.key",
          "the server API key: requests carry `Authorization: apikey <key>`; empty turns the API off",
          [](auto& c) -> auto& { return c.api.key; })),
      boolean_key(
          "admin.enabled", "serve the admin dashboard at /admin (on in --dev)",
          [](auto& c) -> auto& { return c.admin.enabled; }),
      secret_key(string_key(
          "admin.password", "the dashboard's login; empty: log in with api.key",
          [](auto& c) -> auto& { return c.admin.password; })),
      boolean_key(
          "demos.enabled", "serve the demo applications at / and /demos/ (on in --dev)",
          [](auto& c) -> auto& { return c.demos.enabled; }),
      secret_key(string_key(
          "auth.hmac_secret", "secret for HS256/384/512 tokens (at least 32 bytes)",
          [](auto& c) -> auto& { return c.auth.hmac_secret; })),
      string_list_key(
          "auth.public_key_file", "PEM public keys (RSA, EC, Ed25519) as \"path\" or \"kid=path\"",
          [](auto& c) -> auto& { return c.auth.public_key_files; }),
      string_key(
          "auth.jwks_file", "a JSON Web Key Set file with the verification keys",
          [](auto& c) -> auto& { return c.auth.jwks_file; }),
      string_key(
          "auth.audience", "when set, tokens must name it in `aud`",
          [](auto& c) -> auto& { return c.auth.audience; }),
      string_key(
          "auth.issuer", "when set, tokens must have it as `iss`",
          [](auto& c) -> auto& { return c.auth.issuer; }),
      boolean_key(
          "auth.require_exp", "refuse connection tokens without `exp`",
          [](auto& c) -> auto& { return c.auth.require_exp; }),
      duration_key(
          "auth.leeway", "clock skew allowed when checking exp, nbf and iat (0 to 5m)", Duration{0},
          [](auto& c) -> auto& { return c.auth.leeway; }),
      duration_key(
          "auth.refresh_before",
          "send refresh_required this long before a connection token expires (at most half its remaining "
          "life)",
          kPositive, [](auto& c) -> auto& { return c.auth.refresh_before; }),

      choice_key(
          "broker.type", "what links the nodes: memory (one node), redis (a cluster on one Redis) or nats",
          kBrokerTypes,
          [](auto& c) -> auto& { return c.broker.type; }),
      string_key(
          "broker.redis_address",
          "the Redis server as \"HOST:PORT\", or a comma-separated list of them: channels sharded over them",
          [](auto& c) -> auto& { return c.broker.redis_address; }),
      secret_key(string_key(
          "broker.redis_password", "Redis AUTH password; empty = no AUTH",
          [](auto& c) -> auto& { return c.broker.redis_password; })),
      integer_key(
          "broker.redis_database", "Redis database number (SELECT)", 0, 1'000'000,
          [](auto& c) -> auto& { return c.broker.redis_database; }),
      string_key(
          "broker.redis_prefix",
          "prefix of every Redis key and channel (clusters sharing one Redis differ here)",
          [](auto& c) -> auto& { return c.broker.redis_prefix; }),
      duration_key(
          "broker.presence_ttl",
          "presence entries live this long unless their node refreshes them (every third)", kPositive,
          [](auto& c) -> auto& { return c.broker.presence_ttl; }),
      duration_key(
          "broker.node_heartbeat",
          "how often a node writes its figures to the node registry; it leaves the list after three missed",
          kPositive, [](auto& c) -> auto& { return c.broker.node_heartbeat; }),
      string_key(
          "broker.nats_url", "the NATS server, or a comma-separated list: \"nats://HOST:PORT,...\"",
          [](auto& c) -> auto& { return c.broker.nats_url; }),
      string_key(
          "broker.nats_user", "NATS user (with nats_password); empty = none",
          [](auto& c) -> auto& { return c.broker.nats_user; }),
      secret_key(string_key(
          "broker.nats_password", "NATS password of nats_user",
          [](auto& c) -> auto& { return c.broker.nats_password; })),
      secret_key(string_key(
          "broker.nats_token", "NATS authentication token; empty = none",
          [](auto& c) -> auto& { return c.broker.nats_token; })),
      string_key(
          "broker.nats_prefix", "first tokens of every NATS subject (clusters sharing one NATS differ here)",
          [](auto& c) -> auto& { return c.broker.nats_prefix; }),
      choice_key(
          "broker.store", "with type nats: where history and presence live, none or redis (redis_* keys)",
          kBrokerStores, [](auto& c) -> auto& { return c.broker.store; }),
      string_key(
          "ingest.nats_subject", "consume publish commands (the api/publish body) from this NATS subject; empty = off",
          [](auto& c) -> auto& { return c.nats_ingest.subject; }),
      string_key(
          "ingest.nats_queue_group", "NATS queue group of the ingesting nodes: each command is handled by one",
          [](auto& c) -> auto& { return c.nats_ingest.queue_group; }),
      string_key(
          "ingest.nats_url", "the NATS server(s) to ingest from; empty = broker.nats_url",
          [](auto& c) -> auto& { return c.nats_ingest.url; }),
      string_key(
          "ingest.redis_stream", "consume publish commands from this Redis stream ([broker]'s Redis); empty = off",
          [](auto& c) -> auto& { return c.redis_ingest.stream; }),
      non_empty(string_key(
          "ingest.redis_group", "the consumer group every node joins (each entry is handled by one node)",
          [](auto& c) -> auto& { return c.redis_ingest.group; })),
      string_key(
          "ingest.redis_consumer", "this node's consumer name, stable across restarts; empty = \"<hostname>:<port>\"",
          [](auto& c) -> auto& { return c.redis_ingest.consumer; }),
      string_key(
          "ingest.redis_dead_letter_stream", "rejected entries are copied to this stream; empty = logged and dropped",
          [](auto& c) -> auto& { return c.redis_ingest.dead_letter_stream; }),
      integer_key(
          "ingest.redis_batch", "entries read (and published together) at a time", 1, 10'000,
          [](auto& c) -> auto& { return c.redis_ingest.batch; }),
      duration_key(
          "ingest.redis_block", "how long one read waits for new entries", kPositive,
          [](auto& c) -> auto& { return c.redis_ingest.block; }),
      duration_key(
          "ingest.redis_claim_idle", "entries another consumer has held this long are taken over (a crashed node)",
          kPositive, [](auto& c) -> auto& { return c.redis_ingest.claim_idle; }),
  };
}

// Optimal string alignment distance, capped: we only care whether it is <= 2.
size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<size_t>> d(a.size() + 1, std::vector<size_t>(b.size() + 1));
  for (size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// Each key offers the candidate names `names(key)` returns.
template <class Names>
std::string closest(std::string_view name, Names names) {
  std::string best;
  size_t best_distance = 3;
  for (const ConfigKey& key : config_keys()) {
    for (std::string candidate : names(key)) {
      size_t distance = edit_distance(name, candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = std::move(candidate);
      }
    }
  }
  return best;
}

}  // namespace

std::string ConfigKey::environment_name() const {
  std::string env = "WSHUB_";
  for (char c : name) env += c == '.' ? '_' : static_cast<char>(c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c);
  return env;
}

std::span<const ConfigKey> config_keys() {
  static const std::vector<ConfigKey> keys = make_keys();
  return keys;
}

const ConfigKey* find_config_key(std::string_view name) {
  for (const ConfigKey& key : config_keys()) {
    if (key.name == name) return &key;
  }
  return nullptr;
}

bool is_config_section(std::string_view name) {
  for (const ConfigKey& key : config_keys()) {
    std::string_view section = key.section();
    // "websocket" is a section because "websocket.deflate" is one.
    if (section == name ||
        (section.starts_with(name) && section.size() > name.size() && section[name.size()] == '.')) {
      return true;
    }
  }
  return false;
}

std::span<const std::string_view> tool_environment_variables() {
  static constexpr std::string_view kTools[] = {"WSHUB_BIN", "WSHUB_BENCH_BIN", "WSHUB_EXAMPLES_DIR", "WSHUB_TEST_URL"};
  return kTools;
}

std::string closest_config_key(std::string_view name) {
  return closest(name, [](const ConfigKey& key) { return std::vector<std::string>{std::string(key.name)}; });
}

std::string closest_environment_name(std::string_view name) {
  return closest(name, [](const ConfigKey& key) { return std::vector<std::string>{key.environment_name()}; });
}

std::string closest_config_section(std::string_view name) {
  return closest(name, [](const ConfigKey& key) {
    // "websocket.deflate" offers itself and "websocket".
    std::vector<std::string> sections;
    std::string_view section = key.section();
    for (size_t dot = section.find('.'); dot != std::string_view::npos; dot = section.find('.', dot + 1)) {
      sections.emplace_back(section.substr(0, dot));
    }
    sections.emplace_back(section);
    return sections;
  });
}

}  // namespace wshub::server
