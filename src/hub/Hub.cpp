#include "hub/Hub.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <random>

#include "hub/ChannelName.h"
#include "hub/WorkerHub.h"

namespace wshub::hub {

namespace {

std::string random_node_id() {
  std::random_device device;
  std::mt19937_64 random(device() ^ (uint64_t(device()) << 32));
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string id(8, '0');
  for (char& c : id) c = kDigits[random() % 36];
  return id;
}

}  // namespace

Hub::Hub(HubOptions options, Broker& broker, const Authenticator* authenticator)
    : options_(std::move(options)),
      user_connections_(0, options_.max_connections_per_user),
      broker_(broker),
      authenticator_(authenticator) {
  node_id_ = options_.node_id.empty() ? random_node_id() : options_.node_id;
  // The namespaces are fixed from here on, so their addresses key the counters.
  options_.namespaces.for_each([this](const NamespaceOptions& ns) {
    namespace_publications_.push_back(std::make_unique<NamespacePublications>());
    namespace_publications_.back()->name = ns.name;
    publications_by_namespace_[&ns] = namespace_publications_.back().get();
  });
  broker_.set_event_handler(this);
}

Hub::~Hub() { broker_.set_event_handler(nullptr); }

WorkerHub& Hub::add_worker(net::EventLoop& loop) {
  workers_.push_back(std::make_unique<WorkerHub>(*this, loop, static_cast<unsigned>(workers_.size())));
  return *workers_.back();
}

void Hub::on(std::string type, TypeHandler handler) { handlers_.insert_or_assign(std::move(type), std::move(handler)); }

const TypeHandler* Hub::handler_for(std::string_view type) const {
  auto it = handlers_.find(type);
  return it == handlers_.end() ? nullptr : &it->second;
}

std::string Hub::make_client_id(unsigned worker, uint64_t local_id) const {
  return node_id_ + "-" + std::to_string(worker) + "-" + std::to_string(local_id);
}

const NamespaceOptions* Hub::namespace_for(std::string_view channel) const {
  ChannelName name;
  if (!parse_channel_name(channel, name, options_.decoder.max_channel_length)) return nullptr;
  return options_.namespaces.find(name.namespace_name);
}

// ---------------------------------------------------------------------------------------
// Any-thread API

void Hub::publish(Publication publication, Completion<StreamPosition> done, std::string idempotency_key) {
  const NamespaceOptions* ns = namespace_for(publication.channel);
  if (!ns) {
    done(Error{code(ErrorCode::unknown_channel), "unknown channel namespace or invalid channel name"});
    return;
  }
  PublishOptions options;
  options.history.size = ns->history_size;
  options.history.ttl = ns->history_ttl;
  options.idempotency_key = std::move(idempotency_key);
  if (auto it = publications_by_namespace_.find(ns); it != publications_by_namespace_.end()) {
    it->second->publications.add();
  }
  publication.accepted_at = std::chrono::steady_clock::now();
  broker_.publish(std::move(publication), options, std::move(done));
}

void Hub::send_to_user(const std::string& user, Publication message, Completion<Unit> done) {
  message.channel.clear();
  message.offset = 0;
  broker_.send_to_user(user, std::move(message), std::move(done));
}

void Hub::presence(const std::string& channel, Completion<std::vector<ClientInfo>> done) {
  const NamespaceOptions* ns = namespace_for(channel);
  if (!ns) return done(Error{code(ErrorCode::unknown_channel), "unknown channel"});
  if (!ns->presence) return done(Error{code(ErrorCode::not_available), "presence is off in this namespace"});
  broker_.presence(channel, std::move(done));
}

void Hub::presence_stats(const std::string& channel, Completion<PresenceStats> done) {
  const NamespaceOptions* ns = namespace_for(channel);
  if (!ns) return done(Error{code(ErrorCode::unknown_channel), "unknown channel"});
  if (!ns->presence) return done(Error{code(ErrorCode::not_available), "presence is off in this namespace"});
  broker_.presence_stats(channel, std::move(done));
}

void Hub::history(const std::string& channel, const HistoryFilter& filter, Completion<HistoryResult> done) {
  const NamespaceOptions* ns = namespace_for(channel);
  if (!ns) return done(Error{code(ErrorCode::unknown_channel), "unknown channel"});
  if (!ns->keeps_history()) return done(Error{code(ErrorCode::not_available), "history is off in this namespace"});
  HistoryOptions options;
  options.size = ns->history_size;
  options.ttl = ns->history_ttl;
  broker_.history(channel, filter, options, std::move(done));
}

void Hub::remove_history(const std::string& channel, Completion<Unit> done) {
  if (!namespace_for(channel)) return done(Error{code(ErrorCode::unknown_channel), "unknown channel"});
  broker_.remove_history(channel, std::move(done));
}

void Hub::subscribe_user(const std::string& user, const std::string& channel, Completion<Unit> done) {
  if (!namespace_for(channel)) {
    return done(Error{code(ErrorCode::unknown_channel), "unknown channel namespace or invalid channel name"});
  }
  broker_.send_user_command(UserCommand{UserCommand::Kind::subscribe, user, channel, 0, {}, false},
                            std::move(done));
}

void Hub::unsubscribe_user(const std::string& user, const std::string& channel, Completion<Unit> done) {
  if (!namespace_for(channel)) {
    return done(Error{code(ErrorCode::unknown_channel), "unknown channel namespace or invalid channel name"});
  }
  broker_.send_user_command(UserCommand{UserCommand::Kind::unsubscribe, user, channel, 0, {}, false},
                            std::move(done));
}

void Hub::disconnect_user(const std::string& user, const DisconnectReason& reason, Completion<Unit> done) {
  broker_.send_user_command(
      UserCommand{
          UserCommand::Kind::disconnect, user, {}, reason.code, std::string(reason.reason), reason.reconnect},
      std::move(done));
}

void Hub::channels(Completion<std::vector<ChannelSummary>> done) {
  // Each worker adds its own channels under the lock; the last one merges the counts of
  // channels that have subscribers on several workers and answers.
  struct Gather {
    std::mutex mutex;
    std::unordered_map<std::string, size_t> counts;
    size_t remaining;
    bool failed = false;
    Completion<std::vector<ChannelSummary>> done;
  };
  auto gather = std::make_shared<Gather>();
  gather->remaining = workers_.size();
  gather->done = std::move(done);
  auto finish_one = [gather](const std::vector<ChannelSummary>* local) {
    std::unique_lock lock(gather->mutex);
    if (local) {
      for (const ChannelSummary& c : *local) gather->counts[c.channel] += c.subscribers;
    } else {
      gather->failed = true;
    }
    if (--gather->remaining > 0) return;
    lock.unlock();
    if (gather->failed) {
      return gather->done(Error{code(ErrorCode::unavailable), "a worker is overloaded; retry"});
    }
    std::vector<ChannelSummary> all;
    all.reserve(gather->counts.size());
    for (auto& [name, count] : gather->counts) all.push_back(ChannelSummary{name, count});
    std::sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.channel < b.channel; });
    gather->done(std::move(all));
  };
  if (workers_.empty()) return gather->done(std::vector<ChannelSummary>{});
  for (auto& worker : workers_) {
    WorkerHub* w = worker.get();
    bool posted = w->loop().post([w, finish_one] {
      std::vector<ChannelSummary> local;
      w->collect_channels(local);
      finish_one(&local);
    });
    if (!posted) finish_one(nullptr);
  }
}

size_t Hub::node_channel_count() {
  std::lock_guard lock(node_mutex_);
  return node_channels_.size();
}

// ---------------------------------------------------------------------------------------
// Node subscriptions

void Hub::node_subscribe(const std::string& channel, unsigned worker) {
  std::lock_guard lock(node_mutex_);
  NodeChannel& node = node_channels_[channel];
  ++node.workers;
  if (node.ready) {
    post_to(worker, [w = workers_[worker].get(), channel] { w->on_node_subscribed(channel, Unit{}); });
    return;
  }
  node.waiting.push_back(worker);
  if (node.workers > 1) return;  // the first worker's request is on its way
  broker_.subscribe(channel, [this, channel](Result<Unit> result) { on_broker_subscribed(channel, std::move(result)); });
}

void Hub::on_broker_subscribed(const std::string& channel, Result<Unit> result) {
  std::lock_guard lock(node_mutex_);
  auto it = node_channels_.find(channel);
  if (it == node_channels_.end()) {  // every worker left before the broker answered
    if (result.ok()) broker_.unsubscribe(channel);
    return;
  }
  NodeChannel& node = it->second;
  if (result.ok()) node.ready = true;
  for (unsigned worker : node.waiting) {
    post_to(worker, [w = workers_[worker].get(), channel, result] { w->on_node_subscribed(channel, result); });
  }
  node.waiting.clear();
  // On failure every waiting worker gives its subscribers an error and calls
  // node_unsubscribe, which brings the count back to zero.
}

void Hub::node_unsubscribe(const std::string& channel) {
  std::lock_guard lock(node_mutex_);
  auto it = node_channels_.find(channel);
  if (it == node_channels_.end()) return;
  if (--it->second.workers > 0) return;
  bool was_ready = it->second.ready;
  node_channels_.erase(it);
  if (was_ready) broker_.unsubscribe(channel);
}

// ---------------------------------------------------------------------------------------
// Broker events -> workers

void Hub::post_to(unsigned worker, std::function<void()> task) {
  if (!workers_[worker]->loop().post(std::move(task))) {
    // A worker's queue is full: it is far behind. Counted and logged; never blocks the
    // broker (which may hold a channel lock) and never grows without bound.
    uint64_t dropped = dropped_posts_.fetch_add(1, std::memory_order_relaxed) + 1;
    // One line for the first drop and then one per 10,000: an overload must not also
    // flood the log.
    if (dropped == 1 || dropped % 10'000 == 0) {
      spdlog::warn("hub: worker {} queue full, broker events dropped ({} in total)", worker, dropped);
    }
  }
}

void Hub::post_to_all(const std::function<void(WorkerHub&)>& task) {
  for (unsigned i = 0; i < workers_.size(); ++i) {
    post_to(i, [w = workers_[i].get(), task] { task(*w); });
  }
}

void Hub::on_publication(const PublicationPtr& publication) {
  for (unsigned i = 0; i < workers_.size(); ++i) {
    post_to(i, [w = workers_[i].get(), publication] { w->deliver_publication(publication); });
  }
}

void Hub::on_join(std::string_view channel, const ClientInfo& client) {
  post_to_all([channel = std::string(channel), client](WorkerHub& w) { w.deliver_join_leave(true, channel, client); });
}

void Hub::on_leave(std::string_view channel, const ClientInfo& client) {
  post_to_all([channel = std::string(channel), client](WorkerHub& w) { w.deliver_join_leave(false, channel, client); });
}

void Hub::on_user_command(const UserCommand& command) {
  post_to_all([command](WorkerHub& w) { w.apply_user_command(command); });
}

void Hub::on_user_message(std::string_view user, const PublicationPtr& message) {
  for (unsigned i = 0; i < workers_.size(); ++i) {
    post_to(i, [w = workers_[i].get(), user = std::string(user), message] { w->deliver_user_message(user, message); });
  }
}

// Missed publications cannot be told apart from a quiet channel, so every subscribed
// client is sent away with 4502 (reconnect advised): its reconnect recovers from history
// where the namespace keeps it (docs/protocol.md, "insufficient state").
void Hub::on_subscriptions_interrupted() {
  post_to_all([](WorkerHub& w) { w.disconnect_subscribers(disconnect::insufficient_state); });
}

}  // namespace wshub::hub
