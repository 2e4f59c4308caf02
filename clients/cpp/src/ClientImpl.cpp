#include "ClientImpl.h"

#include "ws/CloseCode.h"

namespace wshub::client {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::duration_cast;
using std::chrono::milliseconds;

constexpr milliseconds kSweepPeriod{100};

ClientImpl& self(net::TimerNode* node) {
  return *static_cast<ClientImpl*>(node->owner);
}

Error reply_error(const ServerMessage& m) {
  if (m.type == "error") return Error{m.code != 0 ? m.code : 100, m.message};
  return {};
}

}  // namespace

bool should_reconnect(uint16_t code) {
  switch (code) {
    case 4000:
    case 4001:
    case 4002:
    case 4003:
    case 4009:
      return false;
    case 4004:
    case 4005:
    case 4008:
    case 4029:
      return true;
    default:
      return !(code >= 4000 && code <= 4499);
  }
}

ClientImpl::ClientImpl(net::EventLoop& loop, ClientOptions options)
    : loop_(loop),
      options_(std::move(options)),
      tls_(nullptr, &SSL_CTX_free),
      backoff_(options_.backoff, default_uniform01()) {
  for (net::TimerNode* node : {&reconnect_timer_, &handshake_timer_, &heartbeat_timer_, &sweep_timer_})
    node->owner = this;
  reconnect_timer_.callback = on_reconnect_timer;
  handshake_timer_.callback = on_handshake_timer;
  heartbeat_timer_.callback = on_heartbeat_timer;
  sweep_timer_.callback = on_sweep_timer;
}

ClientImpl::~ClientImpl() {
  for (net::TimerNode* node : {&reconnect_timer_, &handshake_timer_, &heartbeat_timer_, &sweep_timer_})
    loop_.timers().cancel(*node);
  connection_.reset();
}

void ClientImpl::connect() {
  if (state_ != State::idle) return;
  backoff_.reset();
  start_attempt();
}

void ClientImpl::start_attempt() {
  if (options_.urls.empty()) {
    state_ = State::idle;
    if (state_handlers.on_disconnected)
      state_handlers.on_disconnected(client_close::transport_error, "no URL", false);
    return;
  }
  current_url_ = options_.urls[url_index_ % options_.urls.size()];
  url_index_ = (url_index_ + 1) % options_.urls.size();
  state_ = State::connecting;
  has_advice_ = false;
  if (state_handlers.on_connecting) state_handlers.on_connecting(current_url_);
  std::string error;
  const std::optional<WsUrl> url = parse_ws_url(current_url_);
  if (!url) {
    error = "not a ws:// or wss:// URL: " + current_url_;
  } else if (url->secure && !tls_) {
    tls_ = net::make_client_tls_context({options_.tls_verify_peer, options_.tls_ca_file}, error);
  }
  if (error.empty()) {
    connection_ = std::make_unique<WebSocketConnection>(loop_, *this, tls_.get(), options_.max_message_size);
    if (connection_->start(*url, error)) {
      loop_.timers().schedule(handshake_timer_, options_.connect_timeout);
      return;
    }
    retire_connection();
  }
  connection_lost(client_close::transport_error, error, true);
}

void ClientImpl::retire_connection() {
  if (!connection_) return;
  // Never destroyed inside its own callback: after this loop iteration instead.
  std::shared_ptr<WebSocketConnection> retired(std::move(connection_));
  if (!loop_.post([retired] {})) {
    // The loop's queue is full: keep it until the next retirement rather than free it in place.
  }
}

void ClientImpl::disconnect() {
  loop_.timers().cancel(reconnect_timer_);
  close_connection("client disconnect");
  const bool was_active = state_ != State::idle;
  state_ = State::idle;
  loop_.timers().cancel(handshake_timer_);
  loop_.timers().cancel(heartbeat_timer_);
  fail_pending(false, client_error::disconnected, "disconnect() was called");
  queue_.clear();
  if (was_active && state_handlers.on_disconnected)
    state_handlers.on_disconnected(client_close::client_disconnect, "disconnect() was called", false);
}

void ClientImpl::on_ws_open() {
  state_ = State::handshaking;
  std::string token = options_.get_token ? options_.get_token() : options_.token;
  connect_id_ = next_id_++;
  connection_->send_text(build_connect(connect_id_, token, options_.connect_data_json));
}

void ClientImpl::close_connection(const char* reason) {
  if (!connection_) return;
  closing_by_us_ = true;
  connection_->close(ws::close_code::normal, reason);  // reports on_ws_closed at once
  closing_by_us_ = false;
  retire_connection();
}

void ClientImpl::on_ws_closed(uint16_t code, const std::string& reason) {
  retire_connection();
  if (closing_by_us_ || state_ == State::idle) return;  // the caller reports it
  const bool reconnect = has_advice_ ? advice_reconnect_ : should_reconnect(code);
  connection_lost(code, reason, reconnect);
}

void ClientImpl::connection_lost(uint16_t code, const std::string& reason, bool reconnect) {
  loop_.timers().cancel(handshake_timer_);
  loop_.timers().cancel(heartbeat_timer_);
  awaiting_pong_ = false;
  for (auto& [channel, sub] : subscriptions_) sub.pending_id = 0;
  fail_pending(true, client_error::disconnected, "the connection ended: " + reason);
  const bool again = reconnect && options_.reconnect;
  state_ = again ? State::waiting : State::idle;
  if (!again) {
    fail_pending(false, client_error::disconnected, "not reconnecting: " + reason);
    queue_.clear();
  }
  if (state_handlers.on_disconnected) state_handlers.on_disconnected(code, reason, again);
  if (again && state_ == State::waiting && !reconnect_timer_.scheduled())
    loop_.timers().schedule(reconnect_timer_, backoff_.next());
}

void ClientImpl::on_reconnect_timer(net::TimerNode* node) {
  ClientImpl& c = self(node);
  if (c.state_ == State::waiting) c.start_attempt();
}

void ClientImpl::on_handshake_timer(net::TimerNode* node) {
  ClientImpl& c = self(node);
  if (c.state_ != State::connecting && c.state_ != State::handshaking) return;
  c.close_connection("connect timeout");
  c.connection_lost(client_close::connect_timeout, "no connected reply in time", true);
}

void ClientImpl::on_heartbeat_timer(net::TimerNode* node) {
  ClientImpl& c = self(node);
  if (c.state_ != State::connected) return;
  const Clock::time_point now = Clock::now();
  if (c.awaiting_pong_) {
    if (c.last_received_ > c.ping_sent_) {
      c.awaiting_pong_ = false;
    } else {
      // Nothing at all since the ping: the server (or the path to it) is gone without a FIN.
      c.close_connection("heartbeat timeout");
      c.connection_lost(client_close::heartbeat_timeout, "no answer to a ping", true);
      return;
    }
  }
  const milliseconds idle = duration_cast<milliseconds>(now - c.last_received_);
  if (idle >= c.options_.ping_interval) {
    c.connection_->send_text(build_ping(nullptr));
    c.ping_sent_ = now;
    c.awaiting_pong_ = true;
    c.loop_.timers().schedule(c.heartbeat_timer_, c.options_.pong_timeout);
  } else {
    c.loop_.timers().schedule(c.heartbeat_timer_, c.options_.ping_interval - idle);
  }
}

void ClientImpl::on_connected(const ServerMessage& m) {
  loop_.timers().cancel(handshake_timer_);
  state_ = State::connected;
  backoff_.reset();
  last_received_ = Clock::now();
  loop_.timers().schedule(heartbeat_timer_, options_.ping_interval);
  if (state_handlers.on_connected) state_handlers.on_connected(ConnectedInfo{m.client, m.user, current_url_});
  if (state_ != State::connected) return;
  // By name: a callback run meanwhile (a failed request's) may unsubscribe.
  std::vector<std::string> channels;
  for (const auto& entry : subscriptions_) channels.push_back(entry.first);
  for (const std::string& channel : channels) {
    auto it = subscriptions_.find(channel);
    if (state_ != State::connected) return;
    if (it != subscriptions_.end() && it->second.pending_id == 0) send_subscribe(channel, it->second);
  }
  while (!queue_.empty() && state_ == State::connected) {
    auto [id, text] = std::move(queue_.front());
    queue_.pop_front();
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;  // timed out while queued
    it->second.sent = true;
    connection_->send_text(text);
  }
}

void ClientImpl::send_subscribe(const std::string& channel, Subscription& sub) {
  const uint64_t id = next_id_++;
  sub.pending_id = id;
  Recover recover{sub.offset, sub.epoch};
  const bool recovering = sub.has_position && !sub.epoch.empty();
  Pending p;
  p.sent = true;
  p.deadline = Clock::now() + options_.request_timeout;
  p.done = [this, channel, id, recovering](const Error& error, const ServerMessage* m) {
    auto it = subscriptions_.find(channel);
    if (it == subscriptions_.end() || it->second.pending_id != id) return;
    Subscription& s = it->second;
    s.pending_id = 0;
    if (error) {
      if (error.code == client_error::disconnected) return;  // resubscribed after the reconnect
      SubscriptionHandlers handlers = s.handlers;
      if (error.code != client_error::timeout) subscriptions_.erase(it);
      if (handlers.on_error) handlers.on_error(error);
      return;
    }
    SubscribeResult result;
    result.recover_requested = recovering;
    result.recovered = m->has_recovered && m->recovered;
    result.has_position = m->has_offset && !m->epoch.empty();
    result.offset = m->offset;
    result.epoch = m->epoch;
    // Recovered: the missed publications follow and move the position themselves. Otherwise
    // continuity starts again from the channel's current position.
    if (result.has_position && !result.recovered) {
      s.has_position = true;
      s.offset = m->offset;
      s.epoch = m->epoch;
    }
    if (s.handlers.on_subscribed) s.handlers.on_subscribed(result);
  };
  pending_.emplace(id, std::move(p));
  schedule_sweep();
  connection_->send_text(build_subscribe(id, channel, recovering ? &recover : nullptr, sub.token));
}

void ClientImpl::subscribe(const std::string& channel, SubscriptionHandlers handlers, std::string token) {
  auto [it, inserted] = subscriptions_.try_emplace(channel);
  it->second.handlers = std::move(handlers);
  it->second.token = std::move(token);
  if (inserted && state_ == State::connected) send_subscribe(channel, it->second);
}

void ClientImpl::unsubscribe(const std::string& channel, std::function<void(const Error&)> done) {
  const bool known = subscriptions_.erase(channel) > 0;
  if (!known || state_ != State::connected) {
    if (done) done(known ? Error{} : Error{110, "not subscribed"});
    return;
  }
  send_request([channel](uint64_t id) { return build_unsubscribe(id, channel); },
               [done](const Error& e, const ServerMessage*) {
                 if (done) done(e);
               });
}

void ClientImpl::send_request(const std::function<std::string(uint64_t)>& build, ReplyHandler done) {
  const uint64_t id = next_id_++;
  if (state_ != State::connected && queue_.size() >= options_.max_queued_requests) {
    if (done) done(Error{client_error::queue_full, "request queue full while disconnected"}, nullptr);
    return;
  }
  Pending p;
  p.done = std::move(done);
  p.deadline = Clock::now() + options_.request_timeout;
  std::string text = build(id);
  if (state_ == State::connected) {
    p.sent = true;
    pending_.emplace(id, std::move(p));
    connection_->send_text(text);
  } else {
    pending_.emplace(id, std::move(p));
    queue_.emplace_back(id, std::move(text));
  }
  schedule_sweep();
}

void ClientImpl::schedule_sweep() {
  if (!sweep_timer_.scheduled()) loop_.timers().schedule(sweep_timer_, kSweepPeriod);
}

void ClientImpl::on_sweep_timer(net::TimerNode* node) {
  ClientImpl& c = self(node);
  const Clock::time_point now = Clock::now();
  std::vector<ReplyHandler> expired;
  for (auto it = c.pending_.begin(); it != c.pending_.end();) {
    if (it->second.deadline <= now) {
      expired.push_back(std::move(it->second.done));
      it = c.pending_.erase(it);
    } else {
      ++it;
    }
  }
  if (!c.pending_.empty()) c.schedule_sweep();
  for (ReplyHandler& done : expired)
    if (done) done(Error{client_error::timeout, "no reply in time"}, nullptr);
}

void ClientImpl::fail_pending(bool only_sent, int code, const std::string& message) {
  std::vector<ReplyHandler> failed;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (!only_sent || it->second.sent) {
      failed.push_back(std::move(it->second.done));
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
  for (ReplyHandler& done : failed)
    if (done) done(Error{code, message}, nullptr);
}

void ClientImpl::on_ws_message(std::string_view text) {
  last_received_ = Clock::now();
  if (!parser_.parse(text, parsed_)) {
    if (state_handlers.on_error)
      state_handlers.on_error(Error{107, "the server sent a message that is not JSON"});
    return;
  }
  std::vector<ServerMessage> batch = std::move(parsed_);
  for (const ServerMessage& m : batch) {
    handle(m);
    if (state_ != State::connected && state_ != State::handshaking) break;
  }
}

void ClientImpl::handle(const ServerMessage& m) {
  if (m.has_id && m.id == connect_id_ && state_ == State::handshaking) {
    if (m.type == "connected") return on_connected(m);
    // A refused token: the server closes with 4001/4004 next, which decides the reconnect.
    if (state_handlers.on_error) state_handlers.on_error(reply_error(m));
    return;
  }
  if (m.has_id) {
    auto it = pending_.find(m.id);
    if (it == pending_.end()) return;  // timed out already
    ReplyHandler done = std::move(it->second.done);
    pending_.erase(it);
    if (done) done(reply_error(m), &m);
    return;
  }
  handle_push(m);
}

void ClientImpl::handle_push(const ServerMessage& m) {
  if (m.type == "disconnect") {
    has_advice_ = m.has_reconnect;
    advice_reconnect_ = m.reconnect;
    return;
  }
  if (m.type == "pong") return;
  if (m.type == "refresh_required") {
    if (!options_.get_token) return;  // the server closes with 4004 at the deadline, then we reconnect
    const std::string token = options_.get_token();
    send_request([token](uint64_t id) { return build_refresh(id, token); },
                 [this](const Error& e, const ServerMessage*) {
                   if (e && state_handlers.on_error) state_handlers.on_error(e);
                 });
    return;
  }
  if (m.type == "error") {
    if (state_handlers.on_error) state_handlers.on_error(reply_error(m));
    return;
  }
  if (m.channel.empty()) {
    auto it = push_handlers.find(m.type);
    if (it != push_handlers.end() && it->second) it->second(m.has_payload ? m.payload_json : "null");
    return;
  }
  auto sub = subscriptions_.find(m.channel);
  if (sub == subscriptions_.end()) return;
  Subscription& s = sub->second;
  if (m.type == "join" || m.type == "leave") {
    auto& handler = m.type == "join" ? s.handlers.on_join : s.handlers.on_leave;
    if (handler) handler(ClientInfo{m.client, m.user, m.info_json});
    return;
  }
  if (m.type == "unsubscribed") {  // the server API unsubscribed us
    SubscriptionHandlers handlers = std::move(s.handlers);
    subscriptions_.erase(sub);
    if (handlers.on_error) handlers.on_error(Error{110, "unsubscribed by the server"});
    return;
  }
  if (m.type == "subscribed") return;  // the server API subscribed us: not a subscription we track
  if (m.has_offset) {
    s.has_position = true;
    s.offset = m.offset;
  }
  if (s.handlers.on_publication) s.handlers.on_publication(to_publication(m));
}

}  // namespace wshub::client
