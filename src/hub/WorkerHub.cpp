#include "hub/WorkerHub.h"

#include <algorithm>

#include "hub/Hub.h"
#include "ws/FramedMessage.h"

namespace wshub::hub {

namespace {

// A pending subscription buffers live publications while the broker answers; this bounds
// that buffer (a broker that stalls must not grow memory without limit).
constexpr size_t kMaxBufferedWhilePending = 10'000;


}  // namespace

// A message framed at most once per encoding for all its recipients on this worker.
struct WorkerHub::Framed {
  std::optional<ws::FramedMessage> json;
  std::optional<ws::FramedMessage> msgpack;

  template <typename Encode>
  ws::FramedMessage& get(WorkerHub& hub, Encoding encoding, Encode&& encode) {
    std::optional<ws::FramedMessage>& slot = encoding == Encoding::json ? json : msgpack;
    if (!slot) {
      std::string& out = hub.publication_scratch_;
      out.clear();
      encode(hub.encoder(encoding), out);
      slot.emplace(encoding == Encoding::json ? ws::Opcode::text : ws::Opcode::binary,
                   std::as_bytes(std::span(out.data(), out.size())));
    }
    return *slot;
  }
};

WorkerHub::WorkerHub(Hub& hub, net::EventLoop& loop, unsigned index)
    : hub_(hub), loop_(loop), index_(index), decoder_(hub.options().decoder) {
  reaper_.owner = this;
  reaper_.callback = &WorkerHub::on_reaper;
}

WorkerHub::~WorkerHub() { loop_.timers().cancel(reaper_); }

void WorkerHub::run_here(std::function<void()> task) {
  if (loop_.in_loop_thread()) {
    task();
  } else if (!loop_.post(std::move(task))) {
    counters_.bump(counters_.command_errors);  // the worker is far behind; the answer is lost
  }
}

Client* WorkerHub::find_client(uint64_t local_id) {
  auto it = clients_.find(local_id);
  return it == clients_.end() ? nullptr : it->second.get();
}

// ---------------------------------------------------------------------------------------
// Clients

Client* WorkerHub::open_client(Peer& peer, Encoding encoding, std::optional<Credentials> credentials) {
  uint64_t local_id = next_local_id_++;
  auto client = std::make_unique<Client>(*this, peer, local_id, hub_.make_client_id(index_, local_id), encoding);
  Client* raw = client.get();
  clients_.emplace(local_id, std::move(client));
  counters_.clients.store(static_cast<int64_t>(clients_.size()), std::memory_order_relaxed);
  if (credentials) {
    if (raw->accept_credentials(std::move(*credentials)) == Client::Admission::refused) {
      // Refused and already disconnected, possibly before the endpoint could know this
      // client: free it here (close_client is idempotent).
      close_client(raw);
      return nullptr;
    }
  } else if (!hub_.options().allow_anonymous) {
    raw->arm_connect_deadline();
  }
  return raw;
}

bool WorkerHub::user_connected(Client& client) {
  if (hub_.user_connections().acquire(client.user()) != net::ConnectionTable::Admission::admitted) {
    counters_.bump(counters_.refused_per_user);
    return false;
  }
  client.holds_user_slot = true;
  users_[client.user()].push_back(&client);
  return true;
}

bool WorkerHub::admit_user_in_cluster(Client& client, bool from_connect, std::optional<uint64_t> request_id) {
  NodeRegistry* registry = hub_.node_registry();
  const size_t limit = hub_.options().max_connections_per_user;
  if (!registry || limit == 0 || !registry->shares_user_slots()) return false;
  client.admitting = true;
  registry->acquire_user_slot(
      client.user(), limit,
      [this, client_id = client.local_id(), user = client.user(), from_connect,
       request_id](Result<bool> result) {
        run_here([this, client_id, user, from_connect, request_id, result = std::move(result)] {
          finish_user_admission(client_id, user, from_connect, request_id, result);
        });
      });
  return true;
}

// The registry answered: a slot (connected), no slot (4029 as for the node's own limit),
// or no answer (Redis down: user_limit_fail_open decides).
void WorkerHub::finish_user_admission(uint64_t client_id, const std::string& user, bool from_connect,
                                      std::optional<uint64_t> request_id, const Result<bool>& result) {
  const bool counted = result.ok() && *result;
  Client* client = find_client(client_id);
  if (!client || client->closed()) {  // left while the registry was asked
    if (counted) hub_.node_registry()->release_user_slot(user);
    return;
  }
  client->admitting = false;
  if (result.ok() && !*result) {
    counters_.bump(counters_.refused_per_user);
    return client->refuse_user(request_id);
  }
  if (!result.ok() && !hub_.options().user_limit_fail_open) {
    client->send_error(request_id, result.error());
    return client->disconnect(disconnect::internal);
  }
  client->holds_cluster_slot = counted;
  client->complete_connect(from_connect, request_id);
}

void WorkerHub::close_client(Client* client) {
  auto it = clients_.find(client->local_id());
  if (it == clients_.end()) return;
  client->mark_closed();
  loop_.timers().cancel(client->timer);
  while (!client->subscriptions().empty()) {
    drop_subscription(*client, *client->subscriptions().back(), /*announce=*/true);
  }
  if (client->holds_cluster_slot) {
    client->holds_cluster_slot = false;
    hub_.node_registry()->release_user_slot(client->user());
  }
  if (client->holds_user_slot) {
    client->holds_user_slot = false;
    hub_.user_connections().release(client->user());
    auto user = users_.find(client->user());
    if (user != users_.end()) {
      std::vector<Client*>& list = user->second;
      list.erase(std::remove(list.begin(), list.end(), client), list.end());
      if (list.empty()) users_.erase(user);
    }
  }
  graveyard_.push_back(std::move(it->second));
  clients_.erase(it);
  counters_.clients.store(static_cast<int64_t>(clients_.size()), std::memory_order_relaxed);
  if (!reaper_.scheduled()) loop_.timers().schedule(reaper_, std::chrono::milliseconds(0));
}

void WorkerHub::on_reaper(net::TimerNode* node) { static_cast<WorkerHub*>(node->owner)->graveyard_.clear(); }

// ---------------------------------------------------------------------------------------
// Subscribe

void WorkerHub::subscribe(Client& client, const ClientCommand& command) {
  const NamespaceOptions* ns = hub_.namespace_for(command.channel);
  if (!ns) return client.send_error(command.id, ErrorCode::unknown_channel);
  if (client.find_subscription(command.channel)) return client.send_error(command.id, ErrorCode::already_subscribed);
  if (client.subscriptions().size() >= hub_.options().max_subscriptions) {
    return client.send_error(command.id, ErrorCode::limit_exceeded, "too many subscriptions on this connection");
  }
  bool allowed = client.may(ns->subscribe, command.channel) ||
                 (client.credentials() && channel_allowed(client.credentials()->channels, command.channel));
  if (!allowed && ns->subscribe == Access::token && !command.token.empty()) {
    const Authenticator* authenticator = hub_.authenticator();
    if (!authenticator) return client.send_error(command.id, ErrorCode::permission_denied);
    Result<Unit> verified = authenticator->verify_subscription(command.token, client.user(), command.channel);
    if (!verified) {
      counters_.bump(counters_.auth_subscription_refused);
      return client.send_error(command.id, verified.error());
    }
    allowed = true;
  }
  if (!allowed) {
    return client.send_error(command.id, client.authenticated() || ns->subscribe == Access::token
                                             ? ErrorCode::permission_denied
                                             : ErrorCode::unauthorized);
  }

  std::optional<StreamPosition> recover;
  if (command.recover) recover = StreamPosition{command.recover->offset, std::string(command.recover->epoch)};
  start_subscription(client, command.channel, ns, command.id, std::move(recover));
}

// Permission checks are done (or, for a server-side subscription, waived).
void WorkerHub::start_subscription(Client& client, std::string_view channel, const NamespaceOptions* ns,
                                   std::optional<uint64_t> request_id, std::optional<StreamPosition> recover) {
  auto owned = std::make_unique<Subscription>();
  Subscription* subscription = owned.get();
  subscription->channel = std::string(channel);
  subscription->ns = ns;
  subscription->generation = next_generation_++;
  subscription->request_id = request_id;
  subscription->recover = std::move(recover);
  client.subscriptions().push_back(std::move(owned));

  // Registered before anything is asked of the broker: from here on nothing published to
  // the channel can pass this subscription by (it is buffered while pending).
  auto [entry, created] = channels_.get_or_create(subscription->channel, ns);
  channels_.add(*entry, &client, subscription);
  if (created) {
    hub_.node_subscribe(entry->name, index_);  // answers through on_node_subscribed
  } else if (entry->node_ready) {
    continue_subscribe(client, *subscription);
  }
}

void WorkerHub::on_node_subscribed(const std::string& channel, const Result<Unit>& result) {
  ChannelEntry* entry = channels_.find(channel);
  if (!entry || entry->node_ready) return;
  if (result.ok()) entry->node_ready = true;
  channels_.begin_walk(*entry);
  for (size_t i = 0; i < entry->slots.size(); ++i) {
    SubscriberSlot slot = entry->slots[i];
    if (!slot.client || slot.subscription->started) continue;
    if (result.ok()) {
      continue_subscribe(*slot.client, *slot.subscription);
    } else {
      fail_subscribe(*slot.client, *slot.subscription, result.error());
    }
  }
  channels_.end_walk(*entry);
  release_entry_if_empty(*entry);
}

void WorkerHub::continue_subscribe(Client& client, Subscription& subscription) {
  subscription.started = true;
  const NamespaceOptions& ns = *subscription.ns;
  if (!ns.keeps_history()) {
    HistoryResult none;
    finish_subscribe_ok(client, subscription, none);
    return;
  }
  HistoryFilter filter;
  if (subscription.recover) {
    filter.since = subscription.recover;
    filter.limit = HistoryFilter::kNoLimit;
  }
  HistoryOptions options;
  options.size = ns.history_size;
  options.ttl = ns.history_ttl;
  hub_.broker().history(subscription.channel, filter, options,
                        [this, client_id = client.local_id(), channel = subscription.channel,
                         generation = subscription.generation](Result<HistoryResult> result) mutable {
                          run_here([this, client_id, channel = std::move(channel), generation,
                                    result = std::move(result)]() mutable {
                            finish_subscribe(client_id, channel, generation, std::move(result));
                          });
                        });
}

void WorkerHub::finish_subscribe(uint64_t client_id, const std::string& channel, uint64_t generation,
                                 Result<HistoryResult> result) {
  Client* client = find_client(client_id);
  if (!client || client->closed()) return;
  Subscription* subscription = client->find_subscription(channel);
  if (!subscription || subscription->generation != generation) return;  // unsubscribed meanwhile
  if (!result.ok()) return fail_subscribe(*client, *subscription, result.error());
  finish_subscribe_ok(*client, *subscription, *result);
}

// The reply, then what was missed, then what arrived meanwhile, in offset order and
// without duplicates; from then on the subscription is live.
void WorkerHub::finish_subscribe_ok(Client& client, Subscription& subscription, HistoryResult& history) {
  // Any send may close the client as a slow consumer, which frees `subscription` (the
  // Client itself stays allocated until the reaper runs): check after every send.
  const bool keeps_history = subscription.ns->keeps_history();
  std::optional<bool> recovered;
  if (subscription.recover) recovered = keeps_history && history.since_available;
  client.send([&](const MessageEncoder& e, std::string& out) {
    e.subscribed(out, subscription.request_id, subscription.channel, keeps_history ? &history.position : nullptr,
                 recovered);
  });
  if (client.closed()) return;
  auto send_one = [&](const PublicationPtr& p) {
    client.send([&](const MessageEncoder& e, std::string& out) { e.publication(out, *p); });
    counters_.bump(counters_.deliveries);
    return !client.closed();
  };
  uint64_t last = 0;
  if (recovered.value_or(false)) {
    const uint64_t since = subscription.recover->offset;
    for (const PublicationPtr& p : history.publications) {
      if (p->offset <= since) continue;
      if (!send_one(p)) return;
      last = p->offset;
    }
  }
  if (keeps_history) last = std::max(last, history.position.offset);
  std::vector<PublicationPtr> buffered = std::move(subscription.buffered);
  subscription.buffered = {};
  subscription.recover.reset();
  for (const PublicationPtr& p : buffered) {
    if (p->offset != 0 && p->offset <= last) continue;
    if (!send_one(p)) return;
    if (p->offset != 0) last = p->offset;
  }
  subscription.last_offset = last;
  if (keeps_history) subscription.epoch = history.position.epoch;
  subscription.state = Subscription::State::live;
  announce_join(client, subscription);
}

void WorkerHub::announce_join(Client& client, Subscription& subscription) {
  const NamespaceOptions& ns = *subscription.ns;
  if (ns.presence) {
    hub_.broker().add_presence(subscription.channel, client.info(), hub_.options().presence_ttl, [](Result<Unit>) {});
  }
  if (ns.join_leave) hub_.broker().publish_join(subscription.channel, client.info());
}

void WorkerHub::fail_subscribe(Client& client, Subscription& subscription, const Error& error) {
  client.send_error(subscription.request_id, error);
  if (client.closed()) return;  // closed by that send: the subscription is already gone
  drop_subscription(client, subscription, /*announce=*/false);
}

void WorkerHub::drop_subscription(Client& client, Subscription& subscription, bool announce) {
  ChannelEntry* entry = subscription.entry;
  if (entry) channels_.remove(*entry, &subscription);
  if (announce && subscription.state == Subscription::State::live) {
    const NamespaceOptions& ns = *subscription.ns;
    if (ns.presence) hub_.broker().remove_presence(subscription.channel, client.info().client, [](Result<Unit>) {});
    if (ns.join_leave) hub_.broker().publish_leave(subscription.channel, client.info());
  }
  client.forget_subscription(&subscription);  // frees it
  if (entry) release_entry_if_empty(*entry);
}

void WorkerHub::release_entry_if_empty(ChannelEntry& entry) {
  if (entry.walking > 0 || entry.subscriber_count() > 0) return;
  std::string name = entry.name;
  channels_.erase(entry);
  hub_.node_unsubscribe(name);
}

void WorkerHub::unsubscribe(Client& client, const ClientCommand& command) {
  Subscription* subscription = client.find_subscription(command.channel);
  if (!subscription) return client.send_error(command.id, ErrorCode::not_subscribed);
  end_subscription(client, *subscription, command.id);
}

void WorkerHub::end_subscription(Client& client, Subscription& subscription, std::optional<uint64_t> request_id) {
  if (subscription.state == Subscription::State::pending) {
    client.send_error(subscription.request_id, ErrorCode::not_subscribed, "unsubscribed before the subscription completed");
    if (client.closed()) return;  // closed by that send: the subscription is already gone
  }
  std::string channel = subscription.channel;
  drop_subscription(client, subscription, /*announce=*/true);
  client.send([&](const MessageEncoder& e, std::string& out) { e.unsubscribed(out, request_id, channel); });
}

// ---------------------------------------------------------------------------------------
// Server-side actions on a user's connections (server API)

void WorkerHub::apply_user_command(const UserCommand& command) {
  auto it = users_.find(command.user);
  if (it == users_.end()) return;
  // A send may close a client, which edits the user's list: walk a copy. Closed clients
  // stay allocated until the reaper runs, so the pointers stay valid.
  std::vector<Client*> clients = it->second;
  for (Client* client : clients) {
    if (client->closed()) continue;
    switch (command.kind) {
      case UserCommand::Kind::subscribe: {
        const NamespaceOptions* ns = hub_.namespace_for(command.channel);
        if (!ns || client->find_subscription(command.channel)) continue;
        if (client->subscriptions().size() >= hub_.options().max_subscriptions) {
          client->send_error(std::nullopt, ErrorCode::limit_exceeded,
                             "server-side subscription to " + command.channel + " refused: too many subscriptions");
          continue;
        }
        // Server-side: no permission check, no request id (`subscribed` arrives unasked).
        start_subscription(*client, command.channel, ns, std::nullopt, std::nullopt);
        break;
      }
      case UserCommand::Kind::unsubscribe:
        if (Subscription* subscription = client->find_subscription(command.channel)) {
          end_subscription(*client, *subscription, std::nullopt);
        }
        break;
      case UserCommand::Kind::disconnect:
        client->disconnect(DisconnectReason{command.code, command.reason, command.reconnect});
        break;
    }
  }
}

void WorkerHub::disconnect_subscribers(const DisconnectReason& reason) {
  std::vector<Client*> subscribed;
  for (auto& [id, client] : clients_) {
    if (!client->closed() && !client->subscriptions().empty()) subscribed.push_back(client.get());
  }
  for (Client* client : subscribed) {
    if (!client->closed()) client->disconnect(reason);
  }
}

void WorkerHub::collect_channels(std::vector<ChannelSummary>& out) const {
  channels_.for_each_channel([&](const ChannelEntry& entry) {
    out.push_back(ChannelSummary{entry.name, entry.subscriber_count()});
  });
}

// ---------------------------------------------------------------------------------------
// Publish, presence, history

void WorkerHub::publish(Client& client, const ClientCommand& command) {
  const NamespaceOptions* ns = hub_.namespace_for(command.channel);
  if (!ns) return client.send_error(command.id, ErrorCode::unknown_channel);
  bool allowed = ns->publish == Access::token ? client.find_subscription(command.channel) != nullptr
                                              : client.may(ns->publish, command.channel);
  if (!allowed) return client.send_error(command.id, ErrorCode::permission_denied, "this namespace does not allow publishing");
  if (!command.payload.present()) return client.send_error(command.id, ErrorCode::bad_request, "payload: required");
  Publication publication;
  publication.channel = std::string(command.channel);
  publication.type = std::string(command.message_type);
  publication.payload = Payload{command.payload.encoding, std::string(command.payload.bytes)};
  publication.from = ClientInfo{client.info().client, client.info().user, {}};
  hub_.publish(std::move(publication),
               [this, client_id = client.local_id(), request_id = command.id,
                keeps_history = ns->keeps_history()](Result<StreamPosition> result) mutable {
                 run_here([this, client_id, request_id, keeps_history, result = std::move(result)] {
                   Client* c = find_client(client_id);
                   if (!c || c->closed()) return;
                   if (!result.ok()) return c->send_error(request_id, result.error());
                   std::optional<uint64_t> offset;
                   if (keeps_history) offset = result->offset;
                   c->send([&](const MessageEncoder& e, std::string& out) { e.ack(out, request_id, offset); });
                 });
               });
}

void WorkerHub::presence(Client& client, const ClientCommand& command) {
  const NamespaceOptions* ns = hub_.namespace_for(command.channel);
  if (!ns) return client.send_error(command.id, ErrorCode::unknown_channel);
  if (!ns->presence) return client.send_error(command.id, ErrorCode::not_available, "presence is off in this namespace");
  bool allowed = ns->read_presence == Access::token ? client.find_subscription(command.channel) != nullptr
                                                    : client.may(ns->read_presence, command.channel);
  if (!allowed) return client.send_error(command.id, ErrorCode::permission_denied);
  std::string channel(command.channel);
  uint64_t client_id = client.local_id();
  std::optional<uint64_t> request_id = command.id;
  if (command.type == CommandType::presence_stats) {
    hub_.broker().presence_stats(channel, [this, client_id, request_id, channel](Result<PresenceStats> result) mutable {
      run_here([this, client_id, request_id, channel = std::move(channel), result = std::move(result)] {
        Client* c = find_client(client_id);
        if (!c || c->closed()) return;
        if (!result.ok()) return c->send_error(request_id, result.error());
        c->send([&](const MessageEncoder& e, std::string& out) {
          e.presence_stats(out, request_id, channel, result->num_clients, result->num_users);
        });
      });
    });
    return;
  }
  hub_.broker().presence(channel, [this, client_id, request_id, channel](Result<std::vector<ClientInfo>> result) mutable {
    run_here([this, client_id, request_id, channel = std::move(channel), result = std::move(result)] {
      Client* c = find_client(client_id);
      if (!c || c->closed()) return;
      if (!result.ok()) return c->send_error(request_id, result.error());
      c->send([&](const MessageEncoder& e, std::string& out) { e.presence(out, request_id, channel, *result); });
    });
  });
}

void WorkerHub::history(Client& client, const ClientCommand& command) {
  const NamespaceOptions* ns = hub_.namespace_for(command.channel);
  if (!ns) return client.send_error(command.id, ErrorCode::unknown_channel);
  if (!ns->keeps_history()) return client.send_error(command.id, ErrorCode::not_available, "history is off in this namespace");
  bool allowed = ns->read_history == Access::token ? client.find_subscription(command.channel) != nullptr
                                                   : client.may(ns->read_history, command.channel);
  if (!allowed) return client.send_error(command.id, ErrorCode::permission_denied);
  HistoryFilter filter;
  if (command.since) filter.since = StreamPosition{command.since->offset, std::string(command.since->epoch)};
  filter.limit = std::min<uint64_t>(command.limit.value_or(ns->history_size), ns->history_size);
  filter.reverse = command.reverse;
  HistoryOptions options;
  options.size = ns->history_size;
  options.ttl = ns->history_ttl;
  std::string channel(command.channel);
  hub_.broker().history(channel, filter, options,
                        [this, client_id = client.local_id(), request_id = command.id,
                         channel](Result<HistoryResult> result) mutable {
                          run_here([this, client_id, request_id, channel = std::move(channel),
                                    result = std::move(result)] {
                            Client* c = find_client(client_id);
                            if (!c || c->closed()) return;
                            if (!result.ok()) return c->send_error(request_id, result.error());
                            c->send([&](const MessageEncoder& e, std::string& out) {
                              e.history(out, request_id, channel, result->publications, result->position);
                            });
                          });
                        });
}

// ---------------------------------------------------------------------------------------
// Fan-out

void WorkerHub::send_publication(Client& client, Subscription&, const PublicationPtr& publication, Framed& framed) {
  ws::FramedMessage& frame = framed.get(*this, client.encoding(), [&](const MessageEncoder& e, std::string& out) {
    e.publication(out, *publication);
  });
  if (client.peer().send_framed(frame)) {
    counters_.bump(counters_.deliveries);
  } else {
    counters_.bump(counters_.deliveries_dropped);
  }
}

void WorkerHub::deliver_publication(const PublicationPtr& publication) {
  counters_.bump(counters_.publications_received);
  ChannelEntry* entry = channels_.find(publication->channel);
  if (!entry) return;
  Framed framed;
  const uint64_t offset = publication->offset;
  bool delivered = false;
  channels_.begin_walk(*entry);
  for (size_t i = 0; i < entry->slots.size(); ++i) {
    SubscriberSlot slot = entry->slots[i];
    if (!slot.client) continue;
    Subscription& subscription = *slot.subscription;
    if (subscription.state == Subscription::State::pending) {
      if (subscription.buffered.size() < kMaxBufferedWhilePending) {
        subscription.buffered.push_back(publication);
      } else {
        counters_.bump(counters_.deliveries_dropped);
      }
      continue;
    }
    if (offset != 0 && !publication->epoch.empty() && !subscription.epoch.empty() &&
        publication->epoch != subscription.epoch) {
      // The channel's history restarted (removed, expired, a Redis without persistence):
      // offsets from here on mean nothing against the client's position, and a client
      // comparing them would drop what follows. Told with 4502, it reconnects, asks to
      // recover, and learns `recovered: false` with the new position.
      slot.client->disconnect(disconnect::insufficient_state);
      continue;
    }
    if (offset != 0) {
      if (offset <= subscription.last_offset) continue;  // already sent (recovery overlap)
      subscription.last_offset = offset;
    }
    send_publication(*slot.client, subscription, publication, framed);
    delivered = true;
  }
  channels_.end_walk(*entry);
  // One clock read per publication and worker, none per delivery.
  if (delivered && publication->accepted_at != std::chrono::steady_clock::time_point{}) {
    counters_.delivery_latency.observe(std::chrono::steady_clock::now() - publication->accepted_at);
  }
  release_entry_if_empty(*entry);
}

void WorkerHub::deliver_join_leave(bool join, const std::string& channel, const ClientInfo& who) {
  ChannelEntry* entry = channels_.find(channel);
  if (!entry || !entry->ns->join_leave) return;
  Framed framed;
  channels_.begin_walk(*entry);
  for (size_t i = 0; i < entry->slots.size(); ++i) {
    SubscriberSlot slot = entry->slots[i];
    if (!slot.client || slot.subscription->state != Subscription::State::live) continue;
    if (slot.client->info().client == who.client) continue;  // not one's own join
    ws::FramedMessage& frame = framed.get(*this, slot.client->encoding(), [&](const MessageEncoder& e, std::string& out) {
      join ? e.join(out, channel, who) : e.leave(out, channel, who);
    });
    slot.client->peer().send_framed(frame);
  }
  channels_.end_walk(*entry);
  release_entry_if_empty(*entry);
}

void WorkerHub::deliver_user_message(const std::string& user, const PublicationPtr& message) {
  auto it = users_.find(user);
  if (it == users_.end()) return;
  // A send may close a slow client, which edits this list: walk a copy. Closed clients
  // stay allocated until the reaper runs, so the pointers stay valid.
  std::vector<Client*> recipients = it->second;
  Framed framed;
  for (Client* client : recipients) {
    if (client->closed()) continue;
    ws::FramedMessage& frame = framed.get(*this, client->encoding(), [&](const MessageEncoder& e, std::string& out) {
      e.publication(out, *message);
    });
    if (client->peer().send_framed(frame)) {
      counters_.bump(counters_.deliveries);
    } else {
      counters_.bump(counters_.deliveries_dropped);
    }
  }
}

}  // namespace wshub::hub
