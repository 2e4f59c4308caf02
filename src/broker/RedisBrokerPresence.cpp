// The Redis broker's presence (RedisBroker.h, "Presence"): entries in a hash and a zset
// per channel, written by scripts (RedisScripts.h); entries added "until removed" are
// re-added by this node every presence_ttl / 3, so they die with the node.
#include <algorithm>
#include <string_view>

#include "broker/RedisBroker.h"
#include "broker/RedisCodec.h"
#include "broker/RedisReplies.h"
#include "broker/RedisScripts.h"

namespace wshub::broker {
namespace {

using namespace redis_replies;
namespace codec = redis_codec;

constexpr size_t kPresenceRefreshChunk = 500;  // clients per refresh script call

}  // namespace

// ---------------------------------------------------------------------------------------
// Presence

void RedisBroker::add_presence(const std::string& channel, const hub::ClientInfo& client,
                               std::chrono::milliseconds ttl, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  if (!post([this, channel, client, ttl, shared] {
        std::string encoded = codec::encode_client(client);
        std::chrono::milliseconds effective = ttl;
        if (ttl.count() <= 0) {
          // "Until removed": kept alive by this node, so it dies with the node.
          local_presence_[channel][client.client] = encoded;
          effective = options_.presence_ttl;
        } else if (auto it = local_presence_.find(channel); it != local_presence_.end()) {
          it->second.erase(client.client);
          if (it->second.empty()) local_presence_.erase(it);
        }
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        run_script(redis_presence_add_script(), {key("p", channel), key("q", channel)},
                   {ms(effective), client.client, std::move(encoded)}, [shared](const redisReply* reply) {
                     if (!reply || is_error(reply)) return (*shared)(reply_error(reply, "add presence"));
                     (*shared)(hub::Unit{});
                   });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::remove_presence(const std::string& channel, const std::string& client_id,
                                  hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  if (!post([this, channel, client_id, shared] {
        if (auto it = local_presence_.find(channel); it != local_presence_.end()) {
          it->second.erase(client_id);
          if (it->second.empty()) local_presence_.erase(it);
        }
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        run_script(redis_presence_remove_script(), {key("p", channel), key("q", channel)}, {client_id},
                   [shared](const redisReply* reply) {
                     if (!reply || is_error(reply)) return (*shared)(reply_error(reply, "remove presence"));
                     (*shared)(hub::Unit{});
                   });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::refresh_presence() {
  if (!command_->ready()) return;
  for (const auto& entry : local_presence_) {
    const std::string& channel = entry.first;  // named: clang 14 cannot capture a binding
    const auto& clients = entry.second;
    std::vector<std::string> args{ms(options_.presence_ttl)};
    auto flush = [&] {
      if (args.size() == 1) return;
      run_script(redis_presence_add_script(), {key("p", channel), key("q", channel)}, std::move(args),
                 [](const redisReply* reply) {
                   if (is_error(reply)) spdlog::warn("redis broker: presence refresh: {}", as_view(*reply));
                 });
      args = {ms(options_.presence_ttl)};
    };
    for (const auto& [client_id, encoded] : clients) {
      args.push_back(client_id);
      args.push_back(encoded);
      if (args.size() >= 1 + 2 * kPresenceRefreshChunk) flush();
    }
    flush();
  }
}

void RedisBroker::presence(const std::string& channel, hub::Completion<std::vector<hub::ClientInfo>> done) {
  auto shared = std::make_shared<hub::Completion<std::vector<hub::ClientInfo>>>(std::move(done));
  if (!post([this, channel, shared] {
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        run_script(redis_presence_read_script(), {key("p", channel), key("q", channel)}, {},
                   [shared](const redisReply* reply) {
                     if (!reply || reply->type != REDIS_REPLY_ARRAY)
                       return (*shared)(reply_error(reply, "presence"));
                     std::vector<hub::ClientInfo> clients;
                     clients.reserve(reply->elements);
                     for (size_t i = 0; i < reply->elements; ++i) {
                       hub::ClientInfo client;
                       if (codec::decode_client(as_view(*reply->element[i]), client))
                         clients.push_back(std::move(client));
                     }
                     (*shared)(std::move(clients));
                   });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::presence_stats(const std::string& channel, hub::Completion<hub::PresenceStats> done) {
  presence(channel, [done = std::move(done)](hub::Result<std::vector<hub::ClientInfo>> result) {
    if (!result.ok()) return done(result.error());
    hub::PresenceStats stats;
    stats.num_clients = result->size();
    std::vector<std::string_view> users;
    for (const auto& c : *result) {
      if (!c.user.empty()) users.push_back(c.user);
    }
    std::sort(users.begin(), users.end());
    stats.num_users = static_cast<size_t>(std::unique(users.begin(), users.end()) - users.begin());
    done(stats);
  });
}

}  // namespace wshub::broker
