#include "broker/NatsBroker.h"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <stdexcept>
#include <string_view>

#include "broker/Deadline.h"
#include "broker/NatsSubject.h"
#include "broker/RedisCodec.h"
#include "hub/ErrorCode.h"

namespace wshub::broker {
namespace {

using namespace std::chrono_literals;
namespace codec = redis_codec;

constexpr const char* kDown = "nats is unavailable";
constexpr const char* kQueueFull = "broker queue full or shut down";
// While reconnecting, libnats buffers writes up to this much; we refuse writes before that
// (the connection status is checked first), so it only holds what raced a disconnect.
constexpr int kReconnectBuffer = 256 * 1024;
// A channel message carries the Redis broker's history-entry prefix with offset and time 0
// ("<offset>:<time>:" body, RedisCodec.h): one decoder for both brokers.
constexpr std::string_view kPublicationTag = "p0:0:";

hub::Error unavailable(std::string message) {
  return hub::Error{hub::code(hub::ErrorCode::unavailable), std::move(message)};
}

hub::Error not_kept(const char* what) {
  return hub::Error{hub::code(hub::ErrorCode::not_available),
                    std::string("the NATS broker keeps no ") + what + " (set broker.store = \"redis\")"};
}

}  // namespace

// Everything libnats' threads touch. The broker pointer is used only between an
// in_flight increment and its decrement while `stopped` is false; shutdown() sets
// `stopped` and then waits for in_flight to drop to zero, so no callback reaches the
// broker or the handler once shutdown() returned. The object itself lives on in the
// closures of subscriptions and connection events until libnats is done with them.
struct NatsBroker::Shared {
  NatsBroker* broker = nullptr;
  std::string prefix;
  std::chrono::milliseconds reconnect_min{0};
  std::chrono::milliseconds reconnect_max{0};
  std::atomic<hub::BrokerEventHandler*> handler{nullptr};
  std::atomic<bool> stopped{false};
  std::atomic<int> in_flight{0};
  std::atomic<bool> connected{false};
  std::atomic<bool> ever_connected{false};

  // Runs f(broker) unless shut down; see above.
  template <typename F>
  void with_broker(F&& f) {
    in_flight.fetch_add(1);
    if (!stopped.load()) f(*broker);
    in_flight.fetch_sub(1);
  }
};

struct NatsBroker::Subscription {
  std::shared_ptr<Shared> shared;
  std::string channel;  // empty for the control subject
  natsSubscription* handle = nullptr;
  // Cleared on the broker thread before the unsubscribe: a message libnats had already
  // queued for delivery is then dropped, not delivered to a channel the hub left.
  std::atomic<bool> active{true};
};

namespace {

void deliver_channel_message(hub::BrokerEventHandler& h, const std::string& channel, std::string_view data) {
  if (data.empty()) return;
  const char tag = data[0];
  if (tag == 'p') {
    auto publication = std::make_shared<hub::Publication>();
    if (!codec::decode_entry(data.substr(1), *publication)) return;
    publication->channel = channel;
    h.on_publication(publication);
  } else if (tag == 'j' || tag == 'l') {
    hub::ClientInfo client;
    if (!codec::decode_client(data.substr(1), client)) return;
    tag == 'j' ? h.on_join(channel, client) : h.on_leave(channel, client);
  }
}

void deliver_control_message(hub::BrokerEventHandler& h, std::string_view data) {
  codec::ControlMessage control;
  if (!codec::decode_control(data, control)) return;
  if (control.is_command) {
    h.on_user_command(control.command);
  } else {
    h.on_user_message(control.user, std::make_shared<const hub::Publication>(std::move(control.message)));
  }
}

}  // namespace

// libnats' delivery thread (one for the process: see the constructor).
extern "C" void wshub_nats_on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
  auto* subscription = static_cast<NatsBroker::Subscription*>(closure);
  NatsBroker::Shared& shared = *subscription->shared;
  shared.in_flight.fetch_add(1);
  if (!shared.stopped.load() && subscription->active.load(std::memory_order_acquire)) {
    if (hub::BrokerEventHandler* h = shared.handler.load(std::memory_order_acquire)) {
      const std::string_view data(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
      if (subscription->channel.empty()) {
        deliver_control_message(*h, data);
      } else {
        deliver_channel_message(*h, subscription->channel, data);
      }
    }
  }
  shared.in_flight.fetch_sub(1);
  natsMsg_Destroy(msg);
}

// After a closed subscription's last callback: the closure is no longer referenced.
extern "C" void wshub_nats_on_subscription_complete(void* closure) {
  delete static_cast<NatsBroker::Subscription*>(closure);
}

namespace {

// Connection events get a heap shared_ptr as closure, released by the closed callback (the
// last event libnats reports for a connection).
NatsBroker::Shared& shared_of(void* closure) {
  return **static_cast<std::shared_ptr<NatsBroker::Shared>*>(closure);
}

}  // namespace

extern "C" void wshub_nats_on_connected(natsConnection*, void* closure) {
  NatsBroker::Shared& shared = shared_of(closure);
  shared.connected.store(true);
  shared.ever_connected.store(true);
  if (!shared.stopped.load()) spdlog::info("nats broker: connected");
}

extern "C" void wshub_nats_on_disconnected(natsConnection*, void* closure) {
  NatsBroker::Shared& shared = shared_of(closure);
  const bool was = shared.connected.exchange(false);
  if (was && !shared.stopped.load()) spdlog::warn("nats broker: disconnected; reconnecting");
}

extern "C" void wshub_nats_on_reconnected(natsConnection*, void* closure) {
  NatsBroker::Shared& shared = shared_of(closure);
  shared.with_broker([](NatsBroker& broker) { broker.on_reconnected(); });
}

extern "C" void wshub_nats_on_closed(natsConnection*, void* closure) {
  auto* keep = static_cast<std::shared_ptr<NatsBroker::Shared>*>(closure);
  (*keep)->connected.store(false);
  delete keep;
}

extern "C" void wshub_nats_on_error(natsConnection*, natsSubscription*, natsStatus error, void* closure) {
  NatsBroker::Shared& shared = shared_of(closure);
  if (!shared.stopped.load()) spdlog::warn("nats broker: {}", natsStatus_GetText(error));
}

extern "C" int64_t wshub_nats_reconnect_delay(natsConnection*, int attempts, void* closure) {
  const NatsBroker::Shared& shared = shared_of(closure);
  auto delay = shared.reconnect_min;
  for (int i = 1; i < attempts && delay < shared.reconnect_max; ++i) delay *= 2;
  return std::min(delay, shared.reconnect_max).count();
}

NatsBroker::NatsBroker(Options options)
    : options_(std::move(options)),
      shared_(std::make_shared<Shared>()),
      tasks_(options_.queue_capacity),
      idempotency_(options_.idempotency_capacity) {
  if (!nats_subject::valid_prefix(options_.prefix))
    throw std::runtime_error(
        "nats broker: the prefix must be dot-separated tokens of letters, digits, _ and -");
  shared_->broker = this;
  shared_->prefix = options_.prefix;
  shared_->reconnect_min = std::max(options_.reconnect_min, 10ms);
  shared_->reconnect_max = std::max(options_.reconnect_max, shared_->reconnect_min);
  if (nats_Open(-1) != NATS_OK) throw std::runtime_error("nats broker: cannot initialise libnats");
  // One delivery thread for every subscription of the process (see NatsBroker.h,
  // "Ordering"), instead of one thread per subscription (per channel).
  nats_SetMessageDeliveryPoolSize(1);

  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK) throw std::runtime_error("nats broker: out of memory");
  auto* keep = new std::shared_ptr<Shared>(shared_);
  const int64_t timeout = options_.command_timeout.count();
  natsStatus s = natsOptions_SetURL(opts, options_.url.c_str());
  if (s == NATS_OK && !options_.user.empty())
    s = natsOptions_SetUserInfo(opts, options_.user.c_str(), options_.password.c_str());
  if (s == NATS_OK && !options_.token.empty()) s = natsOptions_SetToken(opts, options_.token.c_str());
  if (s == NATS_OK) s = natsOptions_SetName(opts, "wshub");
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, timeout);
  if (s == NATS_OK) s = natsOptions_SetWriteDeadline(opts, timeout);
  if (s == NATS_OK) s = natsOptions_SetPingInterval(opts, std::max<int64_t>(timeout / 2, 100));
  if (s == NATS_OK) s = natsOptions_SetMaxPingsOut(opts, 2);
  if (s == NATS_OK) s = natsOptions_SetAllowReconnect(opts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetCustomReconnectDelay(opts, wshub_nats_reconnect_delay, keep);
  if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(opts, kReconnectBuffer);
  if (s == NATS_OK) s = natsOptions_SetRetryOnFailedConnect(opts, true, wshub_nats_on_connected, keep);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, wshub_nats_on_disconnected, keep);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, wshub_nats_on_reconnected, keep);
  if (s == NATS_OK) s = natsOptions_SetClosedCB(opts, wshub_nats_on_closed, keep);
  if (s == NATS_OK) s = natsOptions_SetErrorHandler(opts, wshub_nats_on_error, keep);
  if (s == NATS_OK) s = natsOptions_UseGlobalMessageDelivery(opts, true);
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    delete keep;
    throw std::runtime_error(std::string("nats broker: ") + natsStatus_GetText(s) + " (broker.nats_url \"" +
                             options_.url + "\")");
  }
  s = natsConnection_Connect(&connection_, opts);
  natsOptions_Destroy(opts);
  if (s == NATS_OK) {
    shared_->connected.store(true);
    shared_->ever_connected.store(true);
  } else if (s != NATS_NOT_YET_CONNECTED) {
    delete keep;  // no connection: no closed callback
    throw std::runtime_error(std::string("nats broker: ") + natsStatus_GetText(s) + " (broker.nats_url \"" +
                             options_.url + "\")");
  }
  // The control subject is subscribed before the first connection too: libnats sends the
  // subscription when it connects.
  control_ = new Subscription{shared_, {}, nullptr, {true}};
  s = natsConnection_Subscribe(&control_->handle, connection_,
                               nats_subject::control_subject(options_.prefix).c_str(), wshub_nats_on_message,
                               control_);
  if (s == NATS_OK)
    natsSubscription_SetOnCompleteCB(control_->handle, wshub_nats_on_subscription_complete, control_);
  if (s != NATS_OK) {
    delete control_;
    control_ = nullptr;
    natsConnection_Destroy(connection_);
    connection_ = nullptr;
    throw std::runtime_error(std::string("nats broker: subscribing the control subject: ") +
                             natsStatus_GetText(s));
  }
  loop_.set_iteration_hook([this] { finish_subscribes(); });
  thread_ = std::thread([this] { loop_.run(); });
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  while (!shared_->connected.load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(10ms);
  }
  if (!shared_->connected.load())
    spdlog::warn("nats broker: {} not reachable yet; retrying in the background", options_.url);
}

NatsBroker::~NatsBroker() {
  shutdown();
}

void NatsBroker::shutdown() {
  std::lock_guard guard(shutdown_mutex_);
  if (stopped_.exchange(true)) return;
  shared_->stopped.store(true);
  // No handler call and no broker access from libnats' threads after this.
  while (shared_->in_flight.load() != 0) std::this_thread::yield();
  if (thread_.joinable()) {
    if (!loop_.post([this] { loop_.stop(); })) loop_.stop();
    thread_.join();
  }
  // Tasks queued before the flag was seen: they find the broker stopped and fail.
  Task task;
  while (tasks_.try_pop(task)) {
    task();
    task = nullptr;
  }
  for (auto& pending : pending_subscribes_) pending.done(unavailable("broker shut down"));
  pending_subscribes_.clear();
  for (auto& [channel, subscription] : channels_) close_subscription(subscription);
  channels_.clear();
  if (control_) close_subscription(control_);
  control_ = nullptr;
  if (connection_) natsConnection_Destroy(connection_);  // closes; the closed callback follows
  connection_ = nullptr;
  shared_->connected.store(false);
}

void NatsBroker::set_event_handler(hub::BrokerEventHandler* handler) {
  shared_->handler.store(handler, std::memory_order_release);
}

bool NatsBroker::connected() const {
  return !stopped_.load(std::memory_order_acquire) && shared_->connected.load(std::memory_order_acquire);
}

// ---------------------------------------------------------------------------------------
// The broker thread

bool NatsBroker::post(Task task) {
  if (stopped_.load(std::memory_order_acquire)) return false;
  if (!tasks_.try_push(std::move(task))) return false;
  if (!drain_posted_.exchange(true, std::memory_order_acq_rel)) {
    if (!loop_.post([this] { drain(); })) drain_posted_.store(false, std::memory_order_release);
  }
  return true;
}

void NatsBroker::drain() {
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

bool NatsBroker::up() const {
  return !stopped_.load(std::memory_order_acquire) && connection_ &&
         natsConnection_Status(connection_) == NATS_CONN_STATUS_CONNECTED;
}

// The subscribes of one loop pass share one round trip: when the server answered the PING
// that follows their SUBs, it has the interest, and publications from any node reach us.
void NatsBroker::finish_subscribes() {
  if (pending_subscribes_.empty()) return;
  auto pending = std::move(pending_subscribes_);
  pending_subscribes_.clear();
  const natsStatus s = up() ? natsConnection_FlushTimeout(connection_, options_.command_timeout.count())
                            : NATS_CONNECTION_DISCONNECTED;
  if (s == NATS_OK) {
    for (auto& p : pending) p.done(hub::Unit{});
    return;
  }
  // The hub drops a subscription that failed; so do we (a reconnect must not revive it).
  for (auto& p : pending) {
    if (!p.created) continue;
    if (auto it = channels_.find(p.channel); it != channels_.end()) {
      close_subscription(it->second);
      channels_.erase(it);
    }
  }
  for (auto& p : pending) p.done(unavailable(std::string("nats subscribe: ") + natsStatus_GetText(s)));
}

// The closure is freed by the complete callback, on the delivery thread, possibly as soon
// as the unsubscribe returns: nothing of it is read after that.
void NatsBroker::close_subscription(Subscription* subscription) {
  natsSubscription* handle = subscription->handle;
  subscription->active.store(false, std::memory_order_release);
  natsSubscription_Unsubscribe(handle);
  natsSubscription_Destroy(handle);
}

void NatsBroker::on_reconnected() {
  post([this] { confirm_reconnect(); });
}

// libnats re-sent every SUB before it reported the reconnect; a round trip proves the
// server has them. Until then the node is not `connected` for /readyz either.
void NatsBroker::confirm_reconnect() {
  if (!up()) return;  // down again: the next reconnect confirms
  const natsStatus s = natsConnection_FlushTimeout(connection_, options_.command_timeout.count());
  if (s != NATS_OK) return;
  shared_->connected.store(true);
  spdlog::info("nats broker: reconnected, {} channels re-subscribed; telling subscribers to recover",
               channels_.size());
  if (auto* h = shared_->handler.load(std::memory_order_acquire)) h->on_subscriptions_interrupted();
}

void NatsBroker::publish_raw(const std::string& subject, const std::string& data, const char* what) {
  natsStatus s =
      up() ? natsConnection_Publish(connection_, subject.c_str(), data.data(), static_cast<int>(data.size()))
           : NATS_CONNECTION_DISCONNECTED;
  if (s == NATS_OK) return;
  // No completion to report to: counted and logged (first, then every 1,000th).
  if (++dropped_events_ % 1000 == 1) {
    spdlog::warn("nats broker: {} dropped: {} ({} dropped so far)", what, natsStatus_GetText(s),
                 dropped_events_);
  }
}

// ---------------------------------------------------------------------------------------
// hub::Broker

void NatsBroker::subscribe(const std::string& channel, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  if (!post([this, channel, shared] {
        if (!up()) return (*shared)(unavailable(kDown));
        PendingSubscribe pending{channel, false, std::move(*shared)};
        if (channels_.find(channel) == channels_.end()) {
          auto* subscription = new Subscription{shared_, channel, nullptr, {true}};
          const std::string subject = nats_subject::channel_subject(options_.prefix, channel);
          natsStatus s = natsConnection_Subscribe(&subscription->handle, connection_, subject.c_str(),
                                                  wshub_nats_on_message, subscription);
          if (s == NATS_OK)
            natsSubscription_SetOnCompleteCB(subscription->handle, wshub_nats_on_subscription_complete,
                                             subscription);
          if (s != NATS_OK) {
            delete subscription;
            return pending.done(unavailable(std::string("nats subscribe: ") + natsStatus_GetText(s)));
          }
          // Per-subscription limits: the defaults (64k messages, 64 MB) per channel; what
          // overflows is dropped by libnats and reported as a slow consumer.
          channels_.emplace(channel, subscription);
          pending.created = true;
        }
        pending_subscribes_.push_back(std::move(pending));
      })) {
    (*shared)(unavailable(kQueueFull));
  }
}

void NatsBroker::unsubscribe(const std::string& channel) {
  post([this, channel] {
    auto it = channels_.find(channel);
    if (it == channels_.end()) return;
    close_subscription(it->second);
    channels_.erase(it);
  });
}

void NatsBroker::publish(hub::Publication publication, const hub::PublishOptions& options,
                         hub::Completion<hub::StreamPosition> done) {
  // Encoded here, on the caller's thread, once for every node.
  std::string data(kPublicationTag);
  data += codec::encode_publication_body(publication);
  std::string subject = nats_subject::channel_subject(options_.prefix, publication.channel);
  std::string key;
  Clock::duration window{};
  if (!options.idempotency_key.empty() && options.idempotency_window.count() > 0) {
    key = options.idempotency_key;
    window = options.idempotency_window;
  }
  auto shared = std::make_shared<hub::Completion<hub::StreamPosition>>(std::move(done));
  if (!post([this, channel = std::move(publication.channel), subject = std::move(subject),
             data = std::move(data), key = std::move(key), window, shared] {
        if (!up()) return (*shared)(unavailable(kDown));
        const auto now = Clock::now();
        if (!key.empty()) {
          if (const hub::StreamPosition* first = idempotency_.find(channel, key, now))
            return (*shared)(*first);
        }
        const natsStatus s =
            natsConnection_Publish(connection_, subject.c_str(), data.data(), static_cast<int>(data.size()));
        if (s != NATS_OK)
          return (*shared)(unavailable(std::string("nats publish: ") + natsStatus_GetText(s)));
        if (!key.empty()) {
          idempotency_.insert(
              channel, key, {},
              deadline_after(now, std::chrono::duration_cast<std::chrono::milliseconds>(window)), now);
        }
        (*shared)(hub::StreamPosition{});
      })) {
    (*shared)(unavailable(kQueueFull));
  }
}

void NatsBroker::publish_join(const std::string& channel, const hub::ClientInfo& client) {
  if (!post([this, subject = nats_subject::channel_subject(options_.prefix, channel),
             data = "j" + codec::encode_client(client)] { publish_raw(subject, data, "join"); })) {
    spdlog::warn("nats broker: join dropped, the broker queue is full or shut down");
  }
}

void NatsBroker::publish_leave(const std::string& channel, const hub::ClientInfo& client) {
  if (!post([this, subject = nats_subject::channel_subject(options_.prefix, channel),
             data = "l" + codec::encode_client(client)] { publish_raw(subject, data, "leave"); })) {
    spdlog::warn("nats broker: leave dropped, the broker queue is full or shut down");
  }
}

void NatsBroker::send_to_user(const std::string& user, hub::Publication message, hub::Completion<hub::Unit> done) {
  message.channel.clear();
  message.offset = 0;
  publish_control(codec::encode_user_message(user, message), "user message", std::move(done));
}

void NatsBroker::send_user_command(const hub::UserCommand& command, hub::Completion<hub::Unit> done) {
  publish_control(codec::encode_user_command(command), "user command", std::move(done));
}

// User messages and commands: answered once NATS took the publish (buffered by libnats,
// flushed by its own thread), `unavailable` when it is down or our queue is full, so the
// server API can say 503 instead of dropping silently. `done` may be empty.
void NatsBroker::publish_control(std::string data, const char* what, hub::Completion<hub::Unit> done) {
  auto shared = std::make_shared<hub::Completion<hub::Unit>>(std::move(done));
  auto finish = [shared](hub::Result<hub::Unit> result) {
    if (*shared) (*shared)(std::move(result));
  };
  if (!post([this, data = std::move(data), what, finish] {
        if (!up()) return finish(unavailable(kDown));
        const std::string subject = nats_subject::control_subject(options_.prefix);
        const natsStatus s =
            natsConnection_Publish(connection_, subject.c_str(), data.data(), static_cast<int>(data.size()));
        if (s != NATS_OK) {
          spdlog::warn("nats broker: {} not sent: {}", what, natsStatus_GetText(s));
          return finish(unavailable(std::string("nats publish: ") + natsStatus_GetText(s)));
        }
        finish(hub::Unit{});
      })) {
    spdlog::warn("nats broker: {} dropped, the broker queue is full or shut down", what);
    finish(unavailable(kQueueFull));
  }
}

// A channel without history has no stream, as with every broker: position {0, ""}.
void NatsBroker::history(const std::string&, const hub::HistoryFilter&, const hub::HistoryOptions& options,
                         hub::Completion<hub::HistoryResult> done) {
  if (stopped_.load()) return done(unavailable("broker shut down"));
  if (options.size == 0) return done(hub::HistoryResult{});
  done(not_kept("history"));
}

void NatsBroker::remove_history(const std::string&, hub::Completion<hub::Unit> done) {
  done(stopped_.load() ? unavailable("broker shut down") : not_kept("history"));
}

void NatsBroker::add_presence(const std::string&, const hub::ClientInfo&, std::chrono::milliseconds,
                              hub::Completion<hub::Unit> done) {
  done(stopped_.load() ? unavailable("broker shut down") : not_kept("presence"));
}

void NatsBroker::remove_presence(const std::string&, const std::string&, hub::Completion<hub::Unit> done) {
  done(stopped_.load() ? unavailable("broker shut down") : not_kept("presence"));
}

void NatsBroker::presence(const std::string&, hub::Completion<std::vector<hub::ClientInfo>> done) {
  done(stopped_.load() ? unavailable("broker shut down") : not_kept("presence"));
}

void NatsBroker::presence_stats(const std::string&, hub::Completion<hub::PresenceStats> done) {
  done(stopped_.load() ? unavailable("broker shut down") : not_kept("presence"));
}

}  // namespace wshub::broker
