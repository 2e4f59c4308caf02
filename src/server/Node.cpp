#include "server/Node.h"

#include <unistd.h>

#include "auth/JwtAuthenticator.h"
#include "broker/MeteredBroker.h"
#include "server/AdminDashboard.h"
#include "server/BackendRoutes.h"
#include "server/BrokerFactory.h"
#include "server/ConfigLoader.h"
#include "server/DemoPages.h"
#include "server/Endpoints.h"
#include "server/Logging.h"
#include "server/NatsIngest.h"
#include "server/NodeMetrics.h"
#include "server/NodeRegistryFactory.h"
#include "server/OperationsEndpoints.h"
#include "server/ProtocolEndpoint.h"
#include "server/RedisStreamIngest.h"

namespace wshub::server {

hub::HubOptions hub_options_from(const Config& config) {
  hub::HubOptions options;
  options.allow_anonymous = config.client.allow_anonymous;
  options.connect_timeout = config.client.connect_timeout;
  options.refresh_before = config.auth.refresh_before;
  options.token_leeway = config.auth.leeway;
  options.max_subscriptions = config.client.max_subscriptions;
  options.decoder.max_payload_size = config.client.max_payload_size;
  options.decoder.max_batch = config.client.max_batch;
  options.decoder.max_channel_length = config.client.max_channel_length;
  options.max_connections_per_user = config.limits.max_connections_per_user;
  options.user_limit_fail_open = config.limits.user_limit_fail_open;
  options.request_rate.rate = {static_cast<double>(config.limits.message_rate),
                               static_cast<double>(config.limits.message_burst)};
  options.request_rate.max_refusals = config.limits.max_refusals;
  options.request_rate.refusal_window = config.limits.refusal_window;
  hub::NamespaceOptions default_namespace = config.channels;
  default_namespace.name.clear();
  options.namespaces = hub::NamespaceTable(std::move(default_namespace));
  options.namespaces.set_fallback_to_default(config.allow_unknown_namespaces);
  for (const hub::NamespaceOptions& ns : config.namespaces) options.namespaces.add(ns);
  return options;
}

namespace {

std::unique_ptr<hub::Authenticator> make_authenticator(const AuthConfig& config) {
  if (!config.enabled()) return nullptr;
  auth::AuthOptions options;
  options.hmac_secret = config.hmac_secret;
  options.public_key_files = config.public_key_files;
  options.jwks_file = config.jwks_file;
  options.audience = config.audience;
  options.issuer = config.issuer;
  options.require_exp = config.require_exp;
  options.leeway = std::chrono::duration_cast<std::chrono::seconds>(config.leeway);
  try {
    return auth::JwtAuthenticator::create(options);
  } catch (const std::runtime_error& e) {
    throw StartupError(std::string("auth: ") + e.what());
  }
}

}  // namespace

Node::Node(Config config) {
  {
    auto metered = std::make_unique<broker::MeteredBroker>(make_broker(config.broker));
    metered_broker_ = metered.get();
    broker_ = std::move(metered);
  }
  authenticator_ = make_authenticator(config.auth);
  server_ = std::make_unique<Server>(std::move(config));
  hub_ = std::make_unique<hub::Hub>(hub_options_from(server_->config()), *broker_, authenticator_.get());
  registry_ = make_node_registry(server_->config().broker, metered_broker_->inner(), hub_->node_id());
  hub_->set_node_registry(registry_.get());
  std::vector<hub::WorkerHub*> hubs;
  std::vector<net::EventLoop*> loops;
  for (unsigned i = 0; i < server_->worker_count(); ++i) {
    loops.push_back(&server_->worker(i).loop());
    hubs.push_back(&hub_->add_worker(*loops.back()));
  }
  routes_ = std::make_unique<BackendRoutes>(server_->config(), loops);
  routes_->install(*hub_);
  protocol_ = std::make_unique<ProtocolEndpoint>(std::move(hubs));
  server_->add_endpoint("/websocket", protocol_.get());
  if (server_->config().echo_endpoint) {
    echo_ = std::make_unique<EchoEndpoint>();
    server_->add_endpoint("/echo", echo_.get());
  }
  api_ = std::make_unique<api::ServerApi>(*hub_, *registry_);
  http_api_ = std::make_unique<api::HttpApi>(*api_, server_->config().api.key);
  // With api_listen the API is served only there (an internal address), never on the
  // public listener.
  const bool separate = server_->config().api_listen.has_value();
  server_->add_http_route(std::string(api::HttpApi::kPrefix), http_api_.get(), !separate, separate);
  if (server_->config().admin.enabled) {
    admin_ = std::make_unique<AdminDashboard>(*server_, *hub_, *api_, [this] { return node_info(); });
  }
  if (server_->config().demos.enabled) {
    const Config& c = server_->config();
    // The sign-in route mints tokens and hands out the key only while both are --dev's
    // public ones: a configured secret or key never leaves the server this way.
    DemoSession session;
    session.dev = c.dev && c.auth.hmac_secret == kDevHmacSecret;
    session.hmac_secret = c.auth.hmac_secret;
    if (c.api.key == kDevApiKey) session.api_key = c.api.key;
    demos_ = std::make_unique<DemoPages>(demo_assets(), demo_sdk_assets(), std::move(session));
    server_->add_http_route("/", demos_.get(), true, false, /*exact=*/true);
    server_->add_http_route(std::string(DemoPages::kPrefix), demos_.get(), true, false);
  }
  add_operations_endpoints();
  start_nats_ingest();
  add_redis_ingest();
}

void Node::start_nats_ingest() {
  const Config& c = server_->config();
  if (c.nats_ingest.subject.empty()) return;
  NatsIngestOptions options;
  options.url = c.nats_ingest.url.empty() ? c.broker.nats_url : c.nats_ingest.url;
  options.user = c.broker.nats_user;
  options.password = c.broker.nats_password;
  options.token = c.broker.nats_token;
  options.subject = c.nats_ingest.subject;
  options.queue_group = c.nats_ingest.queue_group;
  try {
    nats_ingest_ = std::make_unique<NatsIngest>(std::move(options), *api_);
  } catch (const std::runtime_error& e) {
    throw StartupError(e.what());
  }
}

// The consumer name defaults to "<hostname>:<port>", which survives a restart of the same
// node (so it re-reads its own pending entries at once) and differs between nodes.
void Node::add_redis_ingest() {
  const Config& c = server_->config();
  if (!c.redis_ingest.enabled()) return;
  RedisStreamIngestOptions options;
  options.address = c.broker.redis_address;
  options.password = c.broker.redis_password;
  options.database = static_cast<int>(c.broker.redis_database);
  options.stream = c.redis_ingest.stream;
  options.group = c.redis_ingest.group;
  options.consumer = c.redis_ingest.consumer;
  if (options.consumer.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = 0;
    options.consumer = std::string(host[0] ? host : "wshub") + ":" + std::to_string(port());
  }
  options.dead_letter_stream = c.redis_ingest.dead_letter_stream;
  options.batch = c.redis_ingest.batch;
  options.block = c.redis_ingest.block;
  options.claim_idle = c.redis_ingest.claim_idle;
  options.max_command_bytes = c.http.max_body_bytes;
  try {
    redis_ingest_ = std::make_unique<RedisStreamIngest>(std::move(options), *api_,
                                                        [this] { return broker_->connected(); });
  } catch (const std::runtime_error& e) {
    throw StartupError(std::string("ingest: ") + e.what());
  }
}

// /readyz and /metrics on both listeners (docs/operations.md says why no API key).
void Node::add_operations_endpoints() {
  readiness_ = std::make_unique<ReadinessEndpoint>(draining_, [this] { return broker_->connected(); });
  server_->add_http_route("/readyz", readiness_.get(), true, true);
  if (server_->config().metrics.enabled) {
    metrics_ = std::make_unique<MetricsEndpoint>([this] { return render_metrics(); });
    server_->add_http_route("/metrics", metrics_.get(), true, true);
  }
}

std::string Node::render_metrics() {
  NodeMetricsSource source;
  source.server = server_.get();
  source.hub = hub_.get();
  source.broker = metered_broker_;
  source.started_at = started_at_;
  source.draining = draining();
  source.redis_ingest = redis_ingest_.get();
  return render_node_metrics(source);
}

bool Node::reload(const Config& fresh, std::string& error) {
  apply_log_levels(fresh.log);
  return server_->reload_tls(fresh.tls, error);
}

api::NodeInfo Node::node_info() const {
  api::NodeInfo info;
  info.id = hub_->node_id();
  info.version = WSHUB_VERSION;
  info.uptime_seconds = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_at_).count());
  for (unsigned i = 0; i < server_->worker_count(); ++i) {
    const WorkerStats& stats = server_->worker_stats(i);
    info.messages_in += stats.messages_in.get();
    info.messages_out += stats.messages_out.get();
    int64_t clients = hub_->worker(i).counters().clients.load(std::memory_order_relaxed);
    info.connections += clients > 0 ? static_cast<uint64_t>(clients) : 0;
  }
  info.channels = hub_->node_channel_count();
  info.users = hub_->user_count();
  info.address = advertised_address(server_->config(), server_->port());
  return info;
}

Node::~Node() {
  // No more commands from NATS or the Redis stream: they call the API, the hub and the
  // workers.
  nats_ingest_.reset();
  redis_ingest_.reset();
  // Stop the worker threads first (they call into the hub); then free the hub while the
  // workers' loops still exist (clients cancel their timers there); then the engine, and
  // last the broker the hub listened to.
  server_->shutdown();
  server_->wait();
  // The registry says goodbye over the broker (a clean stop leaves `info` at once), so
  // it stops first; a network broker calls the hub from its own thread: stop that before
  // the hub goes.
  registry_->shutdown();
  broker_->shutdown();
  routes_.reset();
  hub_.reset();
  registry_.reset();
  server_.reset();
  broker_.reset();
}

void Node::start() {
  registry_->start([this] { return node_info(); });
  server_->start();
  if (redis_ingest_) redis_ingest_->start();
}

// What the Redis stream consumer read and did not acknowledge stays pending for another node.
void Node::shutdown() {
  if (redis_ingest_) redis_ingest_->stop();
  server_->shutdown();
}
void Node::wait() { server_->wait(); }

}  // namespace wshub::server
