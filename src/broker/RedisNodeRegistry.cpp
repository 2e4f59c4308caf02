#include "broker/RedisNodeRegistry.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <future>
#include <memory>
#include <vector>

#include "broker/RedisBroker.h"
#include "broker/RedisRegistryScripts.h"
#include "broker/RedisReplies.h"

namespace wshub::broker {
namespace {

using namespace redis_replies;

constexpr size_t kUploadChunk = 500;  // users per re-upload script call

uint64_t to_uint(std::string_view text) {
  uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One node's hash (field, value pairs) as a NodeStatus.
hub::NodeStatus parse_status(const redisReply& fields) {
  hub::NodeStatus status;
  for (size_t i = 0; i + 1 < fields.elements; i += 2) {
    if (fields.element[i]->type != REDIS_REPLY_STRING || fields.element[i + 1]->type != REDIS_REPLY_STRING)
      continue;
    const std::string_view name = as_view(*fields.element[i]);
    const std::string_view value = as_view(*fields.element[i + 1]);
    if (name == "id")
      status.id = value;
    else if (name == "address")
      status.address = value;
    else if (name == "version")
      status.version = value;
    else if (name == "uptime")
      status.uptime_seconds = to_uint(value);
    else if (name == "connections")
      status.connections = to_uint(value);
    else if (name == "users")
      status.users = to_uint(value);
    else if (name == "channels")
      status.channels = to_uint(value);
    else if (name == "messages_in")
      status.messages_in = to_uint(value);
    else if (name == "messages_out")
      status.messages_out = to_uint(value);
    else if (name == "updated_at")
      status.updated_at_ms = static_cast<int64_t>(to_uint(value));
  }
  return status;
}

}  // namespace

RedisNodeRegistry::RedisNodeRegistry(RedisBroker& broker, Options options)
    : broker_(broker), options_(std::move(options)) {}

RedisNodeRegistry::~RedisNodeRegistry() {
  shutdown();
}

std::string RedisNodeRegistry::nodes_key() const {
  return broker_.prefix() + ":nodes";
}
std::string RedisNodeRegistry::node_key() const {
  return broker_.prefix() + ":node:" + options_.node_id;
}
std::string RedisNodeRegistry::users_key() const {
  return node_key() + ":users";
}

void RedisNodeRegistry::start(hub::NodeStatusSource source) {
  source_ = std::move(source);
  thread_ = std::thread([this] { run(); });
}

void RedisNodeRegistry::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    heartbeat();
    lock.lock();
    wake_.wait_for(lock, options_.heartbeat, [this] { return stopping_; });
  }
}

void RedisNodeRegistry::heartbeat() {
  hub::NodeStatus status = source_ ? source_() : hub::NodeStatus{};
  std::vector<std::string> args{options_.node_id,
                                ms(options_.ttl),
                                "id",
                                options_.node_id,
                                "address",
                                status.address,
                                "version",
                                status.version,
                                "uptime",
                                std::to_string(status.uptime_seconds),
                                "connections",
                                std::to_string(status.connections),
                                "users",
                                std::to_string(status.users),
                                "channels",
                                std::to_string(status.channels),
                                "messages_in",
                                std::to_string(status.messages_in),
                                "messages_out",
                                std::to_string(status.messages_out)};
  broker_.eval(redis_registry_heartbeat_script(), {nodes_key(), node_key(), users_key()}, std::move(args),
               [this](const redisReply* reply) {
                 if (!reply || reply->type != REDIS_REPLY_INTEGER) {
                   if (reply) spdlog::warn("redis registry: heartbeat failed: {}", as_view(*reply));
                   return;  // unavailable: the next heartbeat tries again
                 }
                 if (reply->integer == 0) upload_users();
               });
}

// Runs on the broker thread, after a heartbeat found the entry new: what this node holds
// replaces whatever the store has (nothing, after a restart or an expiry).
void RedisNodeRegistry::upload_users() {
  std::vector<std::vector<std::string>> chunks;
  {
    std::lock_guard lock(users_mutex_);
    if (users_.empty()) return;
    spdlog::info("redis registry: node entry was new; uploading {} users' connection counts", users_.size());
    chunks.emplace_back();
    for (const auto& [user, count] : users_) {
      if (chunks.back().size() >= 2 * kUploadChunk) chunks.emplace_back();
      chunks.back().push_back(user);
      chunks.back().push_back(std::to_string(count));
    }
  }
  // The first chunk replaces (DEL); the later ones add to it.
  bool first = true;
  for (auto& chunk : chunks) {
    std::vector<std::string> args{ms(options_.ttl), first ? "1" : "0"};
    args.insert(args.end(), std::make_move_iterator(chunk.begin()), std::make_move_iterator(chunk.end()));
    broker_.eval(redis_registry_users_script(), {users_key()}, std::move(args), [](const redisReply* reply) {
      if (is_error(reply)) spdlog::warn("redis registry: uploading user counts failed: {}", as_view(*reply));
    });
    first = false;
  }
}

void RedisNodeRegistry::nodes(hub::Completion<std::vector<hub::NodeStatus>> done) {
  auto shared = std::make_shared<hub::Completion<std::vector<hub::NodeStatus>>>(std::move(done));
  broker_.eval(redis_registry_nodes_script(), {nodes_key()}, {broker_.prefix(), ms(options_.ttl)},
               [this, shared](const redisReply* reply) {
                 if (!reply || reply->type != REDIS_REPLY_ARRAY)
                   return (*shared)(reply_error(reply, "node list"));
                 std::vector<hub::NodeStatus> nodes;
                 bool self_seen = false;
                 for (size_t i = 0; i < reply->elements; ++i) {
                   if (reply->element[i]->type != REDIS_REPLY_ARRAY) continue;
                   nodes.push_back(parse_status(*reply->element[i]));
                   if (nodes.back().id == options_.node_id) {
                     // This node's own figures are fresher than its last heartbeat.
                     const int64_t updated_at = nodes.back().updated_at_ms;
                     if (source_) nodes.back() = source_();
                     nodes.back().id = options_.node_id;
                     nodes.back().updated_at_ms = updated_at;
                     self_seen = true;
                   }
                 }
                 if (!self_seen && source_) {  // before its first heartbeat landed
                   nodes.push_back(source_());
                   nodes.back().id = options_.node_id;
                 }
                 std::sort(nodes.begin(), nodes.end(),
                           [](const auto& a, const auto& b) { return a.id < b.id; });
                 (*shared)(std::move(nodes));
               });
}

void RedisNodeRegistry::acquire_user_slot(const std::string& user, size_t limit, hub::Completion<bool> done) {
  auto shared = std::make_shared<hub::Completion<bool>>(std::move(done));
  broker_.eval(redis_registry_acquire_script(), {nodes_key(), users_key()},
               {broker_.prefix(), ms(options_.ttl), options_.node_id, user, std::to_string(limit)},
               [this, shared, user](const redisReply* reply) {
                 if (!reply || reply->type != REDIS_REPLY_INTEGER)
                   return (*shared)(reply_error(reply, "user limit"));
                 const bool admitted = reply->integer == 1;
                 if (admitted) {
                   std::lock_guard lock(users_mutex_);
                   ++users_[user];
                 }
                 (*shared)(admitted);
               });
}

void RedisNodeRegistry::release_user_slot(const std::string& user) {
  {
    std::lock_guard lock(users_mutex_);
    auto it = users_.find(user);
    if (it == users_.end()) return;  // not held (a re-upload will not bring it back either)
    if (--it->second == 0) users_.erase(it);
  }
  broker_.eval(redis_registry_release_script(), {users_key()}, {user}, [](const redisReply* reply) {
    // Unavailable: the count in Redis stays one too high until it expires with the
    // entry or a re-upload replaces it; logged, not retried.
    if (!reply) spdlog::debug("redis registry: a user slot release did not reach redis");
  });
}

void RedisNodeRegistry::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  auto said = std::make_shared<std::promise<void>>();
  auto future = said->get_future();
  broker_.eval(redis_registry_remove_script(), {nodes_key(), node_key(), users_key()}, {options_.node_id},
               [said](const redisReply*) { said->set_value(); });
  future.wait_for(options_.goodbye_timeout);
}

}  // namespace wshub::broker
