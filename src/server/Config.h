#pragma once
// The effective configuration of one wshub process: defaults, then the TOML file,
// then WSHUB_<SECTION>_<KEY> environment variables, then command-line flags.
// Every field is documented in docs/configuration.md with the same names.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include <map>
#include <optional>

#include "hub/Namespace.h"
#include "ws/DeflateNegotiation.h"

namespace wshub::server {

using Duration = std::chrono::milliseconds;

struct ListenConfig {
  std::string host = "0.0.0.0";  // [server] listen = "HOST:PORT"
  uint16_t port = 8000;
};

struct TlsConfig {
  std::string cert_file;  // [tls] cert_file: PEM chain; TLS is on when both files are set
  std::string key_file;   // [tls] key_file
  bool enabled() const { return !cert_file.empty() && !key_file.empty(); }
};

struct WebSocketConfig {
  size_t max_message_size = 16 * 1024 * 1024;  // [websocket] max_message_size (bytes, after inflate) -> 1009
  size_t max_frame_size = 16 * 1024 * 1024;    // [websocket] max_frame_size (bytes on the wire) -> 1009
  size_t max_outbound_buffer = 1024 * 1024;    // [websocket] max_outbound_buffer: slow-consumer bound
  Duration handshake_timeout{10'000};          // [websocket] handshake_timeout = "10s"
  Duration ping_interval{25'000};              // [websocket] ping_interval: ping after this much silence
  Duration pong_timeout{10'000};               // [websocket] pong_timeout: close if still silent after this
  Duration close_timeout{5'000};               // [websocket] close_timeout: wait for the peer's close frame
  std::vector<std::string> allowed_origins;    // [websocket] allowed_origins: patterns; empty = any origin
  std::vector<std::string> subprotocols{"wshub.json", "wshub.msgpack"};  // [websocket] subprotocols: preference order
  ws::DeflateOptions deflate;                  // [websocket.deflate] enabled, server_max_window_bits, ...
};

struct HttpConfig {
  size_t max_header_bytes = 8 * 1024;   // [http] max_header_bytes -> 431
  size_t max_headers = 64;              // [http] max_headers -> 431
  size_t max_body_bytes = 1024 * 1024;  // [http] max_body_bytes -> 413
  Duration keepalive_timeout{60'000};   // [http] keepalive_timeout: idle time between requests
};

// [api]: the server API for back-end services (docs/server-api.md).
struct ApiConfig {
  std::string key;  // [api] key: `Authorization: apikey <key>`; empty = the API is off
};

// [admin]: the dashboard at /admin and its live socket /admin/live (docs/operations.md).
struct AdminConfig {
  bool enabled = false;  // [admin] enabled: serve /admin (on in --dev)
  std::string password;  // [admin] password: log in with it; empty: log in with the api.key
};

// [demos]: the demo applications at / and /demos/ (demos/README.md).
struct DemosConfig {
  bool enabled = false;  // [demos] enabled: serve the demo pages (on in --dev)
};

struct LogConfig {
  std::string level = "info";   // [log] level: trace, debug, info, warn, error, off
  std::string format = "text";  // [log] format: text or json
  // [log] components: ["net=debug", "conn=warn"]: a level per component (LogComponents.h)
  std::vector<std::string> components;
};

// [metrics]: the Prometheus endpoint (docs/operations.md).
struct MetricsConfig {
  bool enabled = true;  // [metrics] enabled: serve GET /metrics (server.listen and server.api_listen)
};

// [client]: what a connection of the wshub protocol (/websocket) may do.
struct ClientConfig {
  bool allow_anonymous = false;      // [client] allow_anonymous: use `anyone` namespaces without connect
  Duration connect_timeout{10'000};  // [client] connect_timeout: connect must arrive within this
  size_t max_subscriptions = 128;    // [client] max_subscriptions per connection
  size_t max_payload_size = 64 * 1024;  // [client] max_payload_size: encoded payload of one request
  size_t max_batch = 100;               // [client] max_batch: commands in one frame
  size_t max_channel_length = 255;      // [client] max_channel_length: bytes of a channel name
};

// [limits]: connection and rate limits (docs/security.md, "Limits"). 0 turns a limit off.
struct LimitsConfig {
  size_t max_connections = 100'000;       // [limits] max_connections: open WebSockets on the node -> 429
  size_t max_connections_per_ip = 0;      // [limits] max_connections_per_ip: off (proxies, NAT) -> 429
  size_t max_connections_per_user =
      100;                           // [limits] max_connections_per_user: cluster-wide with redis -> 4029
  bool user_limit_fail_open = true;  // [limits] user_limit_fail_open: Redis down -> admit on the node's count
  size_t accept_rate = 5000;              // [limits] accept_rate: new connections a second, node-wide
  size_t accept_burst = 10'000;           // [limits] accept_burst
  size_t message_rate = 200;              // [limits] message_rate: requests a second per connection -> 111
  size_t message_burst = 500;             // [limits] message_burst
  size_t max_refusals = 50;         // [limits] max_refusals: refused requests within refusal_window -> 4029
  Duration refusal_window{10'000};  // [limits] refusal_window
};

// [backend]: how application messages are relayed to the HTTP back-ends of [routes].
struct BackendConfig {
  Duration timeout{5'000};      // [backend] timeout per request
  size_t max_connections = 16;  // [backend] max_connections per back-end origin and worker
  size_t max_pending = 1024;    // [backend] max_pending requests waiting per worker
};

// [auth]: how connection and subscription tokens (JWT) are verified (docs/security.md).
// With no key configured, tokens are refused and only anonymous access works.
struct AuthConfig {
  std::string hmac_secret;                    // [auth] hmac_secret: HS256/384/512 (32+ bytes)
  std::vector<std::string> public_key_files;  // [auth] public_key_file: PEM files, "path" or "kid=path"
  std::string jwks_file;                      // [auth] jwks_file: a JSON Web Key Set
  std::string audience;                       // [auth] audience: required `aud` when set
  std::string issuer;                         // [auth] issuer: required `iss` when set
  bool require_exp = true;                    // [auth] require_exp
  Duration leeway{0};                         // [auth] leeway: clock skew allowed on exp/nbf/iat
  Duration refresh_before{30'000};            // [auth] refresh_before: refresh_required lead before exp
  bool enabled() const { return !hmac_secret.empty() || !public_key_files.empty() || !jwks_file.empty(); }
};

// [broker]: what carries publications between nodes and keeps history and presence
// (docs/clustering.md). "memory": one node; "redis": a cluster of nodes on one Redis;
// "nats": a cluster on NATS, with history and presence in Redis when store = "redis".
struct BrokerConfig {
  std::string type = "memory";                   // [broker] type (or top-level broker = "...")
  std::string redis_address = "127.0.0.1:6379";  // [broker] redis_address: host:port[,host:port...]
  std::string redis_password;                    // [broker] redis_password: AUTH when set
  size_t redis_database = 0;                     // [broker] redis_database: SELECT when not 0
  std::string redis_prefix = "wshub";            // [broker] redis_prefix of keys and channels
  Duration presence_ttl{60'000};                 // [broker] presence_ttl: a dead node's presence lasts this
  Duration node_heartbeat{5'000};                // [broker] node_heartbeat: registry period; TTL = 3 periods
  std::string nats_url = "nats://127.0.0.1:4222";  // [broker] nats_url: one URL or a comma-separated list
  std::string nats_user;                         // [broker] nats_user (with nats_password)
  std::string nats_password;                     // [broker] nats_password
  std::string nats_token;                        // [broker] nats_token
  std::string nats_prefix = "wshub";             // [broker] nats_prefix of every subject
  std::string store = "none";                    // [broker] store: with nats, "redis" keeps history/presence
};

// [ingest] nats_*: publish commands consumed from a NATS subject (docs/server-api.md).
// Its own struct: other [ingest] sources keep theirs.
struct NatsIngestConfig {
  std::string subject;              // [ingest] nats_subject: empty = off
  std::string queue_group = "wshub";  // [ingest] nats_queue_group: one node of the group takes each
  std::string url;                  // [ingest] nats_url: empty = broker.nats_url
};

// [ingest] redis_*: publish commands consumed from a Redis stream by a consumer group
// (docs/server-api.md "Ingestion from a Redis stream"). Uses [broker]'s Redis address,
// password and database.
struct RedisIngestConfig {
  std::string stream;              // [ingest] redis_stream: the stream's key; empty = off
  std::string group = "wshub";     // [ingest] redis_group: the consumer group of every node
  std::string consumer;            // [ingest] redis_consumer: empty = "<hostname>:<port>"
  std::string dead_letter_stream;  // [ingest] redis_dead_letter_stream: for rejected entries
  size_t batch = 100;              // [ingest] redis_batch: entries per read
  Duration block{2'000};           // [ingest] redis_block: a read waits this long for entries
  Duration claim_idle{60'000};     // [ingest] redis_claim_idle: a crashed node's entries, after this
  bool enabled() const { return !stream.empty(); }
};

struct Config {
  ListenConfig listen;
  // [server] api_listen = "HOST:PORT": serve /api/ there (plain HTTP, for the internal
  // network) instead of on the main listener. Unset: /api/ is on the main listener.
  std::optional<ListenConfig> api_listen;
  // [server] advertise_address: where clients reach this node (`info`); empty: the listener.
  std::string advertise_address;
  unsigned workers = 0;               // [server] workers: 0 = one per core
  Duration shutdown_timeout{10'000};  // [server] shutdown_timeout: drain deadline on SIGTERM
  Duration drain_delay{1'000};        // [server] drain_delay: /readyz 503 this long before closing
  bool dev = false;                   // --dev: development mode (see apply_dev_mode)
  bool echo_endpoint = false;         // [endpoints] echo: serve /echo
  std::string config_file;            // where the file settings came from, if any
  TlsConfig tls;
  WebSocketConfig websocket;
  HttpConfig http;
  LogConfig log;
  MetricsConfig metrics;
  ClientConfig client;
  LimitsConfig limits;
  // [channels]: the default namespace (channel names without "ns:").
  hub::NamespaceOptions channels;
  bool allow_unknown_namespaces = false;  // [channels] allow_unknown_namespaces: use [channels] for them
  // [namespaces.<name>]: the same keys as [channels], for channels named "<name>:...".
  std::vector<hub::NamespaceOptions> namespaces;
  // [routes]: application message type -> back-end URL that wshub POSTs it to.
  std::map<std::string, std::string> routes;
  BackendConfig backend;
  AuthConfig auth;
  ApiConfig api;
  AdminConfig admin;
  BrokerConfig broker;
  RedisIngestConfig redis_ingest;  // [ingest] redis_*
  DemosConfig demos;
  NatsIngestConfig nats_ingest;
};

}  // namespace wshub::server
