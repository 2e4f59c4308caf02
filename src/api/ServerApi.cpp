#include "api/ServerApi.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>

#include "api/ChannelPattern.h"
#include "broker/LocalNodeRegistry.h"
#include "hub/ErrorCode.h"
#include "hub/MessageEncoder.h"
#include "hub/MessageWriter.h"

namespace wshub::api {

namespace {

using hub::Error;
using hub::MessageWriter;
using hub::Result;

constexpr hub::Encoding kJson = hub::Encoding::json;

std::string position_result(const hub::StreamPosition& position) {
  std::string out;
  MessageWriter w(kJson, out);
  w.begin_object(2);
  w.uint_field("offset", position.offset);
  w.string_field("epoch", position.epoch);
  w.end_object();
  return out;
}

const std::string kEmptyResult = "{}";

hub::Publication make_publication(std::string channel, std::string type, std::string payload) {
  hub::Publication publication;
  publication.channel = std::move(channel);
  publication.type = std::move(type);
  publication.payload = hub::Payload{hub::Encoding::json, std::move(payload)};
  return publication;
}

void write_error(MessageWriter& w, const Error& error) {
  w.begin_object(2);
  w.uint_field("code", error.code);
  w.string_field("message", error.message.empty() ? hub::error_message(static_cast<hub::ErrorCode>(error.code))
                                                  : std::string_view(error.message));
  w.end_object();
}

}  // namespace

ServerApi::ServerApi(hub::Hub& hub, NodeInfoSource info)
    : hub_(hub),
      own_registry_(std::make_unique<broker::LocalNodeRegistry>()),
      registry_(own_registry_.get()) {
  own_registry_->start(std::move(info));
}

ServerApi::~ServerApi() = default;

void ServerApi::execute(ApiCommand command, MethodDone done) {
  std::visit(
      [&](auto& params) {
        using P = std::decay_t<decltype(params)>;
        if constexpr (std::is_same_v<P, PublishParams>) {
          publish(params, std::move(done));
        } else if constexpr (std::is_same_v<P, BroadcastParams>) {
          broadcast(params, std::move(done));
        } else if constexpr (std::is_same_v<P, SendParams>) {
          send(params, std::move(done));
        } else if constexpr (std::is_same_v<P, UserChannelParams>) {
          subscribe(params, command.method == Method::subscribe, std::move(done));
        } else if constexpr (std::is_same_v<P, DisconnectParams>) {
          disconnect(params, std::move(done));
        } else if constexpr (std::is_same_v<P, ChannelParams>) {
          if (command.method == Method::presence) presence(params, std::move(done));
          else if (command.method == Method::presence_stats) presence_stats(params, std::move(done));
          else history_remove(params, std::move(done));
        } else if constexpr (std::is_same_v<P, HistoryParams>) {
          history(params, std::move(done));
        } else if constexpr (std::is_same_v<P, ChannelsParams>) {
          channels(params, std::move(done));
        } else if constexpr (std::is_same_v<P, InfoParams>) {
          info(std::move(done));
        } else if constexpr (std::is_same_v<P, ConnectionsParams>) {
          connections(params, std::move(done));
        } else if constexpr (std::is_same_v<P, BatchParams>) {
          batch(params, std::move(done));
        }
      },
      command.params);
}

void ServerApi::publish(PublishParams& p, MethodDone done) {
  hub_.publish(make_publication(std::move(p.channel), std::move(p.type), std::move(p.payload)),
               [done = std::move(done)](Result<hub::StreamPosition> result) {
                 if (!result) return done(result.error());
                 done(position_result(*result));
               },
               std::move(p.idempotency_key));
}

// One publication per channel, all started at once; the answer lists a result per
// channel in the request's order, so a partial failure is visible and retryable.
void ServerApi::broadcast(BroadcastParams& p, MethodDone done) {
  struct Gather {
    std::mutex mutex;
    std::vector<std::string> channels;
    std::vector<std::optional<Result<hub::StreamPosition>>> results;
    size_t remaining;
    MethodDone done;
  };
  auto gather = std::make_shared<Gather>();
  gather->channels = p.channels;
  gather->results.resize(p.channels.size());
  gather->remaining = p.channels.size();
  gather->done = std::move(done);
  for (size_t i = 0; i < p.channels.size(); ++i) {
    // Idempotency keys are remembered per channel: one key serves every channel.
    std::string key = p.idempotency_key;
    hub_.publish(make_publication(p.channels[i], p.type, p.payload),
                 [gather, i](Result<hub::StreamPosition> result) {
                   std::unique_lock lock(gather->mutex);
                   gather->results[i] = std::move(result);
                   if (--gather->remaining > 0) return;
                   lock.unlock();
                   std::string out;
                   MessageWriter w(kJson, out);
                   w.begin_object(1);
                   w.key("results");
                   w.begin_array(static_cast<uint32_t>(gather->results.size()));
                   for (size_t j = 0; j < gather->results.size(); ++j) {
                     const Result<hub::StreamPosition>& r = *gather->results[j];
                     w.begin_object(r ? 3 : 2);
                     w.string_field("channel", gather->channels[j]);
                     if (r) {
                       w.uint_field("offset", r->offset);
                       w.string_field("epoch", r->epoch);
                     } else {
                       w.key("error");
                       write_error(w, r.error());
                     }
                     w.end_object();
                   }
                   w.end_array();
                   w.end_object();
                   gather->done(std::move(out));
                 },
                 std::move(key));
  }
}

// The user-addressed methods answer once the broker has the message or command on its
// way to every node, and 503 `unavailable` when it could not take it (Redis down): a
// back-end can retry instead of believing a message was sent that never left the node.
hub::Completion<hub::Unit> ServerApi::empty_result(MethodDone done) {
  return [done = std::move(done)](Result<hub::Unit> result) {
    if (!result) return done(result.error());
    done(kEmptyResult);
  };
}

void ServerApi::send(SendParams& p, MethodDone done) {
  hub_.send_to_user(p.user, make_publication({}, std::move(p.type), std::move(p.payload)),
                    empty_result(std::move(done)));
}

void ServerApi::subscribe(UserChannelParams& p, bool subscribe, MethodDone done) {
  if (subscribe) return hub_.subscribe_user(p.user, p.channel, empty_result(std::move(done)));
  hub_.unsubscribe_user(p.user, p.channel, empty_result(std::move(done)));
}

void ServerApi::disconnect(DisconnectParams& p, MethodDone done) {
  hub_.disconnect_user(p.user, hub::DisconnectReason{p.code, p.reason, p.reconnect},
                       empty_result(std::move(done)));
}

void ServerApi::presence(ChannelParams& p, MethodDone done) {
  hub_.presence(p.channel, [done = std::move(done)](Result<std::vector<hub::ClientInfo>> result) {
    if (!result) return done(result.error());
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(1);
    w.key("clients");
    w.begin_array(static_cast<uint32_t>(result->size()));
    for (const hub::ClientInfo& client : *result) hub::write_client_info(w, client, true);
    w.end_array();
    w.end_object();
    done(std::move(out));
  });
}

void ServerApi::presence_stats(ChannelParams& p, MethodDone done) {
  hub_.presence_stats(p.channel, [done = std::move(done)](Result<hub::PresenceStats> result) {
    if (!result) return done(result.error());
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(2);
    w.uint_field("num_clients", result->num_clients);
    w.uint_field("num_users", result->num_users);
    w.end_object();
    done(std::move(out));
  });
}

void ServerApi::history(HistoryParams& p, MethodDone done) {
  hub::HistoryFilter filter;
  filter.since = std::move(p.since);
  filter.limit = p.limit.value_or(hub::HistoryFilter::kNoLimit);
  filter.reverse = p.reverse;
  hub_.history(p.channel, filter, [done = std::move(done)](Result<hub::HistoryResult> result) {
    if (!result) return done(result.error());
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(3);
    w.key("publications");
    w.begin_array(static_cast<uint32_t>(result->publications.size()));
    for (const hub::PublicationPtr& publication : result->publications) hub::write_publication(w, *publication);
    w.end_array();
    w.uint_field("offset", result->position.offset);
    w.string_field("epoch", result->position.epoch);
    w.end_object();
    done(std::move(out));
  });
}

void ServerApi::history_remove(ChannelParams& p, MethodDone done) {
  hub_.remove_history(p.channel, [done = std::move(done)](Result<hub::Unit> result) {
    if (!result) return done(result.error());
    done(kEmptyResult);
  });
}

void ServerApi::channels(ChannelsParams& p, MethodDone done) {
  hub_.channels([pattern = std::move(p.pattern), done = std::move(done)](Result<std::vector<hub::ChannelSummary>> result) {
    if (!result) return done(result.error());
    std::vector<const hub::ChannelSummary*> matching;
    for (const hub::ChannelSummary& c : *result) {
      if (pattern.empty() || channel_matches(pattern, c.channel)) matching.push_back(&c);
    }
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(1);
    w.key("channels");
    w.begin_array(static_cast<uint32_t>(matching.size()));
    for (const hub::ChannelSummary* c : matching) {
      w.begin_object(2);
      w.string_field("channel", c->channel);
      w.uint_field("subscribers", c->subscribers);
      w.end_object();
    }
    w.end_array();
    w.end_object();
    done(std::move(out));
  });
}

// Every live node of the cluster (this one alone with the memory broker), and totals of
// the figures that add up across nodes (a user on two nodes is one user on each, so users
// and channels have no cluster total).
void ServerApi::info(MethodDone done) {
  registry_->nodes([done = std::move(done)](Result<std::vector<hub::NodeStatus>> result) {
    if (!result) return done(result.error());
    uint64_t connections = 0, messages_in = 0, messages_out = 0;
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(2);
    w.key("nodes");
    w.begin_array(static_cast<uint32_t>(result->size()));
    for (const hub::NodeStatus& node : *result) {
      w.begin_object(10);
      w.string_field("id", node.id);
      w.string_field("address", node.address);
      w.string_field("version", node.version);
      w.uint_field("uptime", node.uptime_seconds);
      w.uint_field("connections", node.connections);
      w.uint_field("users", node.users);
      w.uint_field("channels", node.channels);
      w.uint_field("messages_in", node.messages_in);
      w.uint_field("messages_out", node.messages_out);
      w.uint_field("updated_at", static_cast<uint64_t>(std::max<int64_t>(0, node.updated_at_ms)));
      w.end_object();
      connections += node.connections;
      messages_in += node.messages_in;
      messages_out += node.messages_out;
    }
    w.end_array();
    w.key("totals");
    w.begin_object(4);
    w.uint_field("nodes", result->size());
    w.uint_field("connections", connections);
    w.uint_field("messages_in", messages_in);
    w.uint_field("messages_out", messages_out);
    w.end_object();
    w.end_object();
    done(std::move(out));
  });
}

// The oldest matching connections first; `total` counts every match, so a page can say
// "50 of 1,234".
void ServerApi::connections(ConnectionsParams& p, MethodDone done) {
  hub::ConnectionQuery query;
  query.user = std::move(p.user);
  if (!p.channel.empty()) {
    query.channel = [pattern = std::move(p.channel)](std::string_view channel) {
      return channel_matches(pattern, channel);
    };
  }
  query.limit = static_cast<size_t>(p.limit);
  hub_.connections(std::move(query), [done = std::move(done)](Result<hub::ConnectionList> result) {
    if (!result) return done(result.error());
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    std::string out;
    MessageWriter w(kJson, out);
    w.begin_object(2);
    w.key("connections");
    w.begin_array(static_cast<uint32_t>(result->connections.size()));
    for (const hub::ConnectionSummary& c : result->connections) {
      w.begin_object(9);
      w.string_field("client", c.client);
      w.string_field("user", c.user);
      w.string_field("remote_address", c.remote_address);
      w.uint_field("connected_at", static_cast<uint64_t>(c.connected_at_ms));
      w.uint_field("duration", static_cast<uint64_t>(std::max<int64_t>(0, now_ms - c.connected_at_ms) / 1000));
      w.key("channels");
      w.begin_array(static_cast<uint32_t>(c.channels.size()));
      for (const std::string& channel : c.channels) w.string(channel);
      w.end_array();
      w.uint_field("messages_in", c.messages_in);
      w.uint_field("messages_out", c.messages_out);
      w.uint_field("worker", c.worker);
      w.end_object();
    }
    w.end_array();
    w.uint_field("total", result->total);
    w.end_object();
    done(std::move(out));
  });
}

// Commands run one after another, each starting when the previous completed, so a batch
// that publishes and then reads history sees its own publication.
void ServerApi::batch(BatchParams& p, MethodDone done) {
  struct Run : std::enable_shared_from_this<Run> {
    ServerApi* api;
    std::vector<ApiCommand> commands;
    std::vector<Result<std::string>> replies;
    MethodDone done;

    void next() {
      // Completions may run synchronously: iterate while they do instead of recursing
      // once per command.
      while (replies.size() < commands.size()) {
        auto sync = std::make_shared<std::atomic<int>>(0);  // 0 running, 1 completed inline, 2 went async
        size_t index = replies.size();
        auto self = shared_from_this();
        api->execute(std::move(commands[index]), [self, sync](Result<std::string> result) {
          self->replies.push_back(std::move(result));
          int expected = 0;
          if (sync->compare_exchange_strong(expected, 1)) return;  // inline: the loop continues
          self->next();
        });
        int expected = 0;
        if (sync->compare_exchange_strong(expected, 2)) return;  // async: its completion resumes
      }
      finish();
    }

    void finish() {
      std::string out;
      MessageWriter w(kJson, out);
      w.begin_object(1);
      w.key("replies");
      w.begin_array(static_cast<uint32_t>(replies.size()));
      for (const Result<std::string>& r : replies) {
        if (r) {
          w.json_value(*r);
        } else {
          w.begin_object(1);
          w.key("error");
          write_error(w, r.error());
          w.end_object();
        }
      }
      w.end_array();
      w.end_object();
      done(std::move(out));
    }
  };
  auto run = std::make_shared<Run>();
  run->api = this;
  run->commands = std::move(p.commands);
  run->replies.reserve(run->commands.size());
  run->done = std::move(done);
  run->next();
}

}  // namespace wshub::api
