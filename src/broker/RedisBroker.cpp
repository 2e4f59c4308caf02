#include "broker/RedisBroker.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "broker/RedisCodec.h"
#include "broker/RedisReplies.h"
#include "broker/RedisScripts.h"
#include "hub/ErrorCode.h"

namespace wshub::broker {
namespace {

using namespace redis_replies;

using namespace std::chrono_literals;
namespace codec = redis_codec;

constexpr auto kTick = 50ms;
constexpr auto kPingInterval = 1s;
constexpr size_t kSubscribeChunk = 1000;  // channels per (re-)SUBSCRIBE command

}  // namespace

RedisBroker::RedisBroker(Options options)
    : options_(std::move(options)),
      tasks_(options_.queue_capacity),
      command_backoff_(options_.reconnect_min),
      pubsub_backoff_(options_.reconnect_min) {
  std::string error;
  auto endpoint = resolve_redis_endpoint(options_.address, error);
  if (!endpoint) throw std::runtime_error("redis broker: " + error);
  endpoint_ = *endpoint;
  command_ = std::make_unique<RedisConnection>(
      loop_, "command",
      RedisConnection::Callbacks{
          [this] { on_command_ready(); }, [this](const std::string& why) { on_command_down(why); }, {}});
  pubsub_ = std::make_unique<RedisConnection>(
      loop_, "pub/sub",
      RedisConnection::Callbacks{[this] { on_pubsub_ready(); },
                                 [this](const std::string& why) { on_pubsub_down(why); },
                                 [this](const redisReply& push) { on_push(push); }});
  tick_.owner = this;
  tick_.callback = [](net::TimerNode* node) { static_cast<RedisBroker*>(node->owner)->on_tick(); };
  loop_.set_iteration_hook([this] {
    flush_subscription_changes();
    command_->flush();
    pubsub_->flush();
  });
  thread_ = std::thread([this] { run_loop(); });
  std::unique_lock lock(start_mutex_);
  if (!start_cv_.wait_for(lock, options_.start_timeout, [this] { return start_settled_; })) {
    spdlog::warn("redis broker: {} not reachable yet; retrying in the background", options_.address);
  }
}

RedisBroker::~RedisBroker() {
  shutdown();
}

void RedisBroker::run_loop() {
  loop_.post([this] {
    loop_.timers().schedule(tick_, kTick);
    command_->connect(endpoint_, options_.password, options_.database);
    pubsub_->connect(endpoint_, options_.password, options_.database);
  });
  loop_.run();
}

void RedisBroker::shutdown() {
  std::lock_guard guard(shutdown_mutex_);
  if (stopped_.exchange(true)) return;
  if (thread_.joinable()) {
    loop_.post([this] {
      loop_.timers().cancel(tick_);
      command_->close("shutting down");
      pubsub_->close("shutting down");
      loop_.stop();
    });
    thread_.join();
  }
  // Tasks queued before the flag was seen: they find the connections closed and fail.
  Task task;
  while (tasks_.try_pop(task)) {
    task();
    task = nullptr;
  }
  for (auto& [channel, subscription] : subscriptions_) {
    for (auto& waiter : subscription.waiters) waiter(unavailable("broker shut down"));
  }
  subscriptions_.clear();
  connected_.store(false, std::memory_order_release);
}

void RedisBroker::set_event_handler(hub::BrokerEventHandler* handler) {
  handler_.store(handler, std::memory_order_release);
}

// ---------------------------------------------------------------------------------------
// Cross-thread hand-off

bool RedisBroker::post(Task task) {
  if (stopped_.load(std::memory_order_acquire)) return false;
  if (!tasks_.try_push(std::move(task))) return false;
  if (!drain_posted_.exchange(true, std::memory_order_acq_rel)) {
    if (!loop_.post([this] { drain(); })) drain_posted_.store(false, std::memory_order_release);
  }
  return true;
}

void RedisBroker::drain() {
  drain_posted_.store(false, std::memory_order_release);
  Task task;
  size_t budget = tasks_.capacity();
  while (budget-- > 0 && tasks_.try_pop(task)) {
    task();
    task = nullptr;
  }
  if (!tasks_.empty_approx() && !drain_posted_.exchange(true, std::memory_order_acq_rel)) {
    loop_.post([this] { drain(); });
  }
}

// ---------------------------------------------------------------------------------------
// Connections

void RedisBroker::on_tick() {
  const auto now = std::chrono::steady_clock::now();
  command_->check_timeout(now, options_.command_timeout);
  pubsub_->check_timeout(now, options_.command_timeout);
  if (pubsub_->ready()) {
    // A silent pub/sub connection looks healthy to TCP; a PING answered in time proves it.
    if (ping_outstanding_ && now - ping_sent_at_ > options_.command_timeout) {
      pubsub_->close("no PONG within the command timeout");
    } else if (!ping_outstanding_ && now - last_pong_ >= kPingInterval) {
      pubsub_->send({"PING"}, {});
      ping_outstanding_ = true;
      ping_sent_at_ = now;
    }
  }
  connect_if_due(*command_, command_reconnect_at_);
  connect_if_due(*pubsub_, pubsub_reconnect_at_);
  if (now >= next_presence_refresh_) {
    const auto period = std::max<std::chrono::milliseconds>(options_.presence_ttl / 3, 100ms);
    next_presence_refresh_ = now + period;
    refresh_presence();
  }
  loop_.timers().schedule(tick_, kTick);
}

void RedisBroker::connect_if_due(RedisConnection& connection, std::chrono::steady_clock::time_point due) {
  if (!connection.idle() || std::chrono::steady_clock::now() < due) return;
  connection.connect(endpoint_, options_.password, options_.database);
}

void RedisBroker::update_connected() {
  const bool up = command_->ready() && pubsub_complete_;
  connected_.store(up, std::memory_order_release);
  if (up) settle_start();
}

// The constructor waits for the first connection or the first failure, whichever is first.
void RedisBroker::settle_start() {
  std::lock_guard lock(start_mutex_);
  if (start_settled_) return;
  start_settled_ = true;
  start_cv_.notify_all();
}

void RedisBroker::on_command_ready() {
  if (command_backoff_ != options_.reconnect_min)
    spdlog::info("redis broker: reconnected to {}", options_.address);
  command_backoff_ = options_.reconnect_min;
  // Loaded up front, so EVALSHA normally finds them; NOSCRIPT still falls back to EVAL.
  for (const RedisScript* script :
       {&redis_publish_script(), &redis_history_script(), &redis_presence_add_script(),
        &redis_presence_remove_script(), &redis_presence_read_script()}) {
    command_->send({"SCRIPT", "LOAD", script->source}, [name = script->name](const redisReply* reply) {
      if (is_error(reply)) spdlog::warn("redis broker: SCRIPT LOAD {}: {}", name, as_view(*reply));
    });
  }
  next_presence_refresh_ = {};  // re-add this node's presence now: Redis may have lost it
  update_connected();
}

void RedisBroker::on_command_down(const std::string& why) {
  if (!stopped_.load(std::memory_order_relaxed))
    spdlog::warn("redis broker: {}; reconnecting in {} ms", why, command_backoff_.count());
  command_reconnect_at_ = std::chrono::steady_clock::now() + command_backoff_;
  command_backoff_ = std::min(command_backoff_ * 2, options_.reconnect_max);
  update_connected();
  settle_start();
}

void RedisBroker::on_pubsub_ready() {
  pubsub_backoff_ = options_.reconnect_min;
  ping_outstanding_ = false;
  last_pong_ = std::chrono::steady_clock::now();
  std::vector<std::string> names{options_.prefix + ":control"};
  for (auto& [channel, subscription] : subscriptions_) names.push_back(channel_name(channel));
  send_subscribe(names);
  // The PING's answer comes after every subscribe confirmation: then the node is complete.
  resubscribe_pending_ = true;
  pubsub_->send({"PING"}, {});
}

void RedisBroker::on_pubsub_down(const std::string& why) {
  if (!stopped_.load(std::memory_order_relaxed))
    spdlog::warn("redis broker: {}; reconnecting in {} ms", why, pubsub_backoff_.count());
  pubsub_reconnect_at_ = std::chrono::steady_clock::now() + pubsub_backoff_;
  pubsub_backoff_ = std::min(pubsub_backoff_ * 2, options_.reconnect_max);
  unconfirmed_subscribes_.clear();
  subscription_changes_.clear();
  resubscribe_pending_ = false;
  pubsub_complete_ = false;
  // Subscriptions the hub still waits for fail (it drops them); confirmed ones are kept
  // and re-subscribed on reconnect.
  for (auto it = subscriptions_.begin(); it != subscriptions_.end();) {
    if (it->second.confirmed) {
      it->second.confirmed = false;
      ++it;
      continue;
    }
    auto waiters = std::move(it->second.waiters);
    it = subscriptions_.erase(it);
    for (auto& waiter : waiters) waiter(unavailable(kDown));
  }
  update_connected();
  settle_start();
}

void RedisBroker::send_subscribe(const std::vector<std::string>& redis_channels) {
  for (size_t first = 0; first < redis_channels.size(); first += kSubscribeChunk) {
    const size_t last = std::min(redis_channels.size(), first + kSubscribeChunk);
    std::vector<std::string_view> args{"SUBSCRIBE"};
    for (size_t i = first; i < last; ++i) {
      args.push_back(redis_channels[i]);
      ++unconfirmed_subscribes_[redis_channels[i]];
    }
    pubsub_->send(args, {});
  }
}

void RedisBroker::on_push(const redisReply& push) {
  const std::string_view kind = as_view(*push.element[0]);
  if (kind == "pong") {
    ping_outstanding_ = false;
    last_pong_ = std::chrono::steady_clock::now();
    if (resubscribe_pending_) {
      resubscribe_pending_ = false;
      const bool reconnect = pubsub_was_ready_;
      pubsub_was_ready_ = true;
      pubsub_complete_ = true;
      update_connected();
      if (reconnect) {
        spdlog::info("redis broker: re-subscribed {} channels; telling subscribers to recover",
                     subscriptions_.size());
        if (auto* h = handler()) h->on_subscriptions_interrupted();
      }
    }
    return;
  }
  if (push.elements < 3 || push.element[1]->type != REDIS_REPLY_STRING) return;
  const std::string_view redis_channel = as_view(*push.element[1]);
  if (kind == "message" && push.element[2]->type == REDIS_REPLY_STRING) {
    on_message(redis_channel, as_view(*push.element[2]));
    return;
  }
  if (kind != "subscribe") return;
  const std::string name(redis_channel);
  auto pending = unconfirmed_subscribes_.find(name);
  if (pending == unconfirmed_subscribes_.end() || --pending->second > 0) return;
  unconfirmed_subscribes_.erase(pending);
  const std::string channel_prefix = options_.prefix + ":c:";
  if (name.compare(0, channel_prefix.size(), channel_prefix) != 0) return;
  auto it = subscriptions_.find(name.substr(channel_prefix.size()));
  if (it == subscriptions_.end() || it->second.confirmed) return;
  it->second.confirmed = true;
  auto waiters = std::move(it->second.waiters);
  it->second.waiters.clear();
  for (auto& waiter : waiters) waiter(hub::Unit{});
}

void RedisBroker::on_message(std::string_view redis_channel, std::string_view data) {
  hub::BrokerEventHandler* h = handler();
  if (!h || data.empty()) return;
  const std::string& prefix = options_.prefix;
  if (redis_channel.size() == prefix.size() + 8 && redis_channel.substr(prefix.size()) == ":control") {
    codec::ControlMessage control;
    if (!codec::decode_control(data, control)) return;
    if (control.is_command) {
      h->on_user_command(control.command);
    } else {
      h->on_user_message(control.user, std::make_shared<const hub::Publication>(std::move(control.message)));
    }
    return;
  }
  if (redis_channel.size() <= prefix.size() + 3) return;
  std::string channel(redis_channel.substr(prefix.size() + 3));
  // Unsubscribed locally while Redis' UNSUBSCRIBE is on its way: the hub has no interest.
  if (subscriptions_.find(channel) == subscriptions_.end()) return;
  const char tag = data[0];
  data.remove_prefix(1);
  if (tag == 'p' || tag == 'e') {
    auto publication = std::make_shared<hub::Publication>();
    if (tag == 'e') {  // "<epoch>:" entry
      const size_t colon = data.find(':');
      if (colon == std::string_view::npos) return;
      publication->epoch.assign(data.substr(0, colon));
      data.remove_prefix(colon + 1);
    }
    if (!codec::decode_entry(data, *publication)) return;
    publication->channel = std::move(channel);
    h->on_publication(publication);
  } else if (tag == 'j' || tag == 'l') {
    hub::ClientInfo client;
    if (!codec::decode_client(data, client)) return;
    tag == 'j' ? h->on_join(channel, client) : h->on_leave(channel, client);
  }
}

void RedisBroker::flush_subscription_changes() {
  if (subscription_changes_.empty()) return;
  auto changes = std::move(subscription_changes_);
  subscription_changes_.clear();
  if (!pubsub_->ready()) return;  // the reconnect re-subscribes from subscriptions_
  // Consecutive changes of one kind share a command; the order between kinds is kept.
  size_t i = 0;
  while (i < changes.size()) {
    const bool subscribe = changes[i].first;
    std::vector<std::string> names;
    while (i < changes.size() && changes[i].first == subscribe && names.size() < kSubscribeChunk) {
      names.push_back(channel_name(changes[i].second));
      ++i;
    }
    if (subscribe) {
      send_subscribe(names);
    } else {
      std::vector<std::string_view> args{"UNSUBSCRIBE"};
      args.insert(args.end(), names.begin(), names.end());
      pubsub_->send(args, {});
    }
  }
}

// ---------------------------------------------------------------------------------------
// Commands

std::string RedisBroker::channel_name(const std::string& channel) const {
  return options_.prefix + ":c:" + channel;
}

std::string RedisBroker::key(const char* kind, const std::string& channel) const {
  return options_.prefix + ":" + kind + ":" + channel;
}

void RedisBroker::run_script(const RedisScript& script, std::vector<std::string> keys,
                             std::vector<std::string> args, ReplyHandler handler) {
  auto build = [&](const char* verb, const std::string& body) {
    std::vector<std::string_view> argv{verb, body};
    static thread_local std::string count;
    count = std::to_string(keys.size());
    argv.push_back(count);
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  };
  auto first = build("EVALSHA", script.sha1);
  command_->send(first, [this, &script, keys = std::move(keys), args = std::move(args),
                         handler = std::move(handler)](const redisReply* reply) mutable {
    if (is_error(reply) && as_view(*reply).starts_with("NOSCRIPT")) {
      std::vector<std::string_view> argv{"EVAL", script.source};
      const std::string count = std::to_string(keys.size());
      argv.push_back(count);
      argv.insert(argv.end(), keys.begin(), keys.end());
      argv.insert(argv.end(), args.begin(), args.end());
      command_->send(argv, std::move(handler));
      return;
    }
    handler(reply);
  });
}

void RedisBroker::eval(const RedisScript& script, std::vector<std::string> keys,
                       std::vector<std::string> args, RedisConnection::ReplyHandler on_reply) {
  auto shared = std::make_shared<ReplyHandler>(std::move(on_reply));
  if (!post([this, &script, keys = std::move(keys), args = std::move(args), shared]() mutable {
        if (!command_->ready()) return (*shared)(nullptr);
        run_script(script, std::move(keys), std::move(args),
                   [shared](const redisReply* reply) { (*shared)(reply); });
      })) {
    (*shared)(nullptr);
  }
}

void RedisBroker::fire_and_forget(std::vector<std::string> args, const char* what) {
  if (!post([this, args = std::move(args), what] {
        if (!command_->ready()) {
          // No completion to report to: counted and logged (first, then every 1,000th).
          if (++dropped_events_ % 1000 == 1) {
            spdlog::warn("redis broker: {} dropped, redis is unavailable ({} dropped so far)", what,
                         dropped_events_);
          }
          return;
        }
        std::vector<std::string_view> argv(args.begin(), args.end());
        command_->send(argv, [what](const redisReply* reply) {
          if (is_error(reply)) spdlog::warn("redis broker: {} failed: {}", what, as_view(*reply));
        });
      })) {
    spdlog::warn("redis broker: {} dropped, the broker queue is full or shut down", what);
  }
}

void RedisBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  if (!post([this, channel, shared] {
        if (!pubsub_->ready()) return (*shared)(unavailable(kDown));
        auto [it, inserted] = subscriptions_.try_emplace(channel);
        if (!inserted && it->second.confirmed) return (*shared)(hub::Unit{});
        it->second.waiters.push_back(std::move(*shared));
        if (inserted) subscription_changes_.emplace_back(true, channel);
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::unsubscribe(const std::string& channel) {
  post([this, channel] {
    auto it = subscriptions_.find(channel);
    if (it == subscriptions_.end()) return;
    auto waiters = std::move(it->second.waiters);
    subscriptions_.erase(it);
    for (auto& waiter : waiters) waiter(hub::Unit{});
    subscription_changes_.emplace_back(false, channel);
  });
}

void RedisBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                          hub::Completion<hub::StreamPosition> done) {
  // Encoded here, on the caller's thread, once for every node.
  std::string body = codec::encode_publication_body(publication);
  const bool idempotent = !options.idempotency_key.empty() && options.idempotency_window.count() > 0;
  std::vector<std::string> keys{key("h", publication.channel), key("s", publication.channel),
                                idempotent
                                    ? options_.prefix + ":i:" + std::to_string(publication.channel.size()) +
                                          ":" + publication.channel + ":" + options.idempotency_key
                                    : key("i", publication.channel)};
  std::vector<std::string> args{channel_name(publication.channel),
                                std::move(body),
                                std::to_string(options.history.size),
                                ms(options.history.ttl),
                                ms(options.history.meta_ttl),
                                epochs_.next(),
                                idempotent ? ms(options.idempotency_window) : "0"};
  auto shared = std::make_shared<hub::Completion<hub::StreamPosition>>(std::move(done));
  if (!post([this, keys = std::move(keys), args = std::move(args), shared]() mutable {
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        run_script(redis_publish_script(), std::move(keys), std::move(args),
                   [shared](const redisReply* reply) {
                     if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 2) {
                       return (*shared)(reply_error(reply, "publish"));
                     }
                     hub::StreamPosition position;
                     position.offset = static_cast<uint64_t>(reply->element[0]->integer);
                     position.epoch.assign(reply->element[1]->str ? as_view(*reply->element[1])
                                                                  : std::string_view());
                     (*shared)(std::move(position));
                   });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  fire_and_forget({"PUBLISH", channel_name(channel), "j" + codec::encode_client(client)}, "join");
}

void RedisBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  fire_and_forget({"PUBLISH", channel_name(channel), "l" + codec::encode_client(client)}, "leave");
}

void RedisBroker::send_to_user(const std::string& user, hub::Publication message,
                               hub::Completion<hub::Unit> done) {
  message.channel.clear();
  message.offset = 0;
  publish_control(codec::encode_user_message(user, message), "user message", std::move(done));
}

void RedisBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  publish_control(codec::encode_user_command(command), "user command", std::move(done));
}

void RedisBroker::publish_control(std::string body, const char* what, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  auto complete = [shared](hub::Result<hub::Unit> result) {
    if (*shared) (*shared)(std::move(result));
  };
  if (!post([this, body = std::move(body), what, complete] {
        if (!command_->ready()) return complete(unavailable(kDown));
        command_->send({"PUBLISH", options_.prefix + ":control", body},
                       [what, complete](const redisReply* reply) {
                         // A null reply: the connection dropped or timed out before Redis answered.
                         if (!reply || is_error(reply)) return complete(reply_error(reply, what));
                         complete(hub::Unit{});
                       });
      })) {
    complete(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::history(const std::string& channel, const hub::HistoryFilter& filter,
                          const hub::HistoryOptions& options, hub::Completion<hub::HistoryResult> done) {
  std::vector<std::string> keys{key("h", channel), key("s", channel)};
  const bool with_since = filter.since.has_value();
  std::vector<std::string> args{
      std::to_string(options.size),
      ms(options.ttl),
      ms(options.meta_ttl),
      epochs_.next(),
      with_since ? "since" : "latest",
      filter.limit == hub::HistoryFilter::kNoLimit ? "-1" : std::to_string(filter.limit),
      filter.reverse ? "1" : "0",
      with_since ? std::to_string(filter.since->offset) : "0",
      with_since ? filter.since->epoch : ""};
  auto shared = std::make_shared<hub::Completion<hub::HistoryResult>>(std::move(done));
  if (!post([this, channel, keys = std::move(keys), args = std::move(args), shared]() mutable {
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        run_script(redis_history_script(), std::move(keys), std::move(args),
                   [shared, channel](const redisReply* reply) {
                     if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements < 3) {
                       return (*shared)(reply_error(reply, "history"));
                     }
                     hub::HistoryResult result;
                     result.position.offset = static_cast<uint64_t>(reply->element[0]->integer);
                     if (reply->element[1]->type == REDIS_REPLY_STRING)
                       result.position.epoch.assign(as_view(*reply->element[1]));
                     result.since_available = reply->element[2]->integer == 1;
                     result.publications.reserve(reply->elements - 3);
                     for (size_t i = 3; i < reply->elements; ++i) {
                       auto publication = std::make_shared<hub::Publication>();
                       if (!codec::decode_entry(as_view(*reply->element[i]), *publication)) continue;
                       publication->channel = channel;
                       result.publications.push_back(std::move(publication));
                     }
                     (*shared)(std::move(result));
                   });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

void RedisBroker::remove_history(const std::string& channel, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  if (!post([this, meta = key("h", channel), stream = key("s", channel), shared] {
        if (!command_->ready()) return (*shared)(unavailable(kDown));
        command_->send({"DEL", meta, stream}, [shared](const redisReply* reply) {
          if (!reply || is_error(reply)) return (*shared)(reply_error(reply, "remove history"));
          (*shared)(hub::Unit{});
        });
      })) {
    (*shared)(unavailable("broker queue full or shut down"));
  }
}

}  // namespace wshub::broker
