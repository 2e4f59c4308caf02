#include "hub/Client.h"

#include "hub/Hub.h"
#include "hub/MessageEncoder.h"
#include "hub/TokenExpiry.h"
#include "hub/WorkerHub.h"

namespace wshub::hub {

Client::Client(WorkerHub& hub, Peer& peer, uint64_t local_id, std::string id, Encoding encoding)
    : hub_(hub), peer_(peer), local_id_(local_id), encoding_(encoding) {
  info_.client = std::move(id);
  timer.owner = this;
  rate_limit_.start(hub_.loop().now());
}

Client::~Client() { hub_.loop().timers().cancel(timer); }

const MessageEncoder& Client::encoder() const { return hub_.encoder(encoding_); }

void Client::on_frame(std::span<const std::byte> frame) {
  hub_.decoder().decode(
      encoding_, frame, [this](const ClientCommand& command) { handle(command); },
      [this](const DecodeError& error) {
        hub_.counters().bump(hub_.counters().command_errors);
        if (!disconnecting_ && within_rate(error.id)) send_error(error.id, error.code, error.message);
      });
}

void Client::handle(const ClientCommand& command) {
  hub_.counters().bump(hub_.counters().commands);
  if (disconnecting_) return;  // a batch may hold commands after the one that closed us
  if (!within_rate(command.id)) return;
  switch (command.type) {
    case CommandType::connect:
      return handle_connect(command);
    case CommandType::refresh:
      return handle_refresh(command);
    case CommandType::ping:
      return send([&](const MessageEncoder& e, std::string& out) { e.pong(out, command.id); });
    default:
      break;
  }
  if (!require_connected(command)) return;
  switch (command.type) {
    case CommandType::subscribe:
      return hub_.subscribe(*this, command);
    case CommandType::unsubscribe:
      return hub_.unsubscribe(*this, command);
    case CommandType::publish:
      return hub_.publish(*this, command);
    case CommandType::presence:
    case CommandType::presence_stats:
      return hub_.presence(*this, command);
    case CommandType::history:
      return hub_.history(*this, command);
    case CommandType::application:
      return handle_application(command);
    default:
      return;
  }
}

// The message rate limit (limits.message_rate): one token per request, the loop's cached
// time. Over the rate the request is answered with 111 and dropped; the max_refusals-th
// refusal within the window closes the connection with 4029.
bool Client::within_rate(std::optional<uint64_t> request_id) {
  const RequestRatePolicy& policy = hub_.hub().options().request_rate;
  RequestRateLimit::Verdict verdict = rate_limit_.check(policy, hub_.loop().now());
  if (verdict == RequestRateLimit::Verdict::allowed) return true;
  HubCounters& counters = hub_.counters();
  counters.bump(counters.requests_rate_limited);
  send_error(request_id, ErrorCode::too_many_requests);
  if (verdict == RequestRateLimit::Verdict::abusive) {
    counters.bump(counters.closes_too_many_requests);
    disconnect(disconnect::too_many_requests);
  }
  return false;
}

bool Client::require_connected(const ClientCommand& command) {
  if (connected_ || hub_.hub().options().allow_anonymous) return true;
  send_error(command.id, ErrorCode::not_connected, "send connect with a token first");
  return false;
}

// A `connect` on a connection that is already connected (an earlier connect, or a Bearer
// token on the upgrade) is refused with bad_request and changes nothing: identity changes
// only through `refresh`, which must keep the user.
void Client::handle_connect(const ClientCommand& command) {
  if (connected_) return send_error(command.id, ErrorCode::bad_request, "already connected");
  if (admitting) return send_error(command.id, ErrorCode::bad_request, "a connect is in progress");
  if (command.token.empty()) {
    if (!hub_.hub().options().allow_anonymous) {
      hub_.counters().bump(hub_.counters().auth_missing_token);
      send_error(command.id, ErrorCode::unauthorized, "a token is required");
      return disconnect(disconnect::unauthorized);
    }
    hub_.loop().timers().cancel(timer);
    connected_ = true;
  } else {
    const Authenticator* authenticator = hub_.hub().authenticator();
    Result<Credentials> credentials =
        authenticator ? authenticator->authenticate(command.token)
                      : Result<Credentials>(Error{code(ErrorCode::unauthorized),
                                                  "this server verifies no tokens (auth is not configured)"});
    if (!credentials) {
      hub_.counters().count_auth_failure(credentials.error().code);
      send_error(command.id, credentials.error());
      bool expired = credentials.error().code == code(ErrorCode::token_expired);
      return disconnect(expired ? disconnect::token_expired : disconnect::unauthorized);
    }
    // Admitted and pending answer the connect themselves (pending: later).
    (void)accept_credentials(std::move(*credentials), command.id, /*from_connect=*/true);
    return;
  }
  send([&](const MessageEncoder& e, std::string& out) {
    e.connected(out, command.id, info_.client, info_.user);
  });
}

Client::Admission Client::accept_credentials(Credentials credentials, std::optional<uint64_t> request_id,
                                             bool from_connect) {
  info_.user = credentials.user;
  info_.info = credentials.info;
  credentials_ = std::make_unique<Credentials>(std::move(credentials));
  if (!hub_.user_connected(*this)) {
    refuse_user(request_id);
    return Admission::refused;
  }
  if (hub_.admit_user_in_cluster(*this, from_connect, request_id)) return Admission::pending;
  complete_connect(from_connect, request_id);
  return Admission::admitted;
}

void Client::complete_connect(bool from_connect, std::optional<uint64_t> request_id) {
  connected_ = true;
  schedule_token_expiry();  // replaces the connect deadline
  if (from_connect) {
    send([&](const MessageEncoder& e, std::string& out) {
      e.connected(out, request_id, info_.client, info_.user);
    });
  }
}

void Client::refuse_user(std::optional<uint64_t> request_id) {
  // The user's other connections stay; this one is the extra one.
  connected_ = true;
  hub_.counters().bump(hub_.counters().closes_too_many_requests);
  if (request_id) send_error(request_id, ErrorCode::too_many_requests, "too many connections for this user");
  disconnect(disconnect::too_many_requests);
}

void Client::handle_refresh(const ClientCommand& command) {
  if (!credentials_) return send_error(command.id, ErrorCode::bad_request, "refresh needs an authenticated connection");
  const Authenticator* authenticator = hub_.hub().authenticator();
  Result<Credentials> credentials = authenticator ? authenticator->authenticate(command.token)
                                                  : Result<Credentials>(Error{code(ErrorCode::unauthorized), "no verifier"});
  // A refused refresh keeps the connection and its old deadline: the client may retry
  // with another token until the old one runs out (then 4004).
  if (!credentials) {
    hub_.counters().count_auth_failure(credentials.error().code);
    return send_error(command.id, credentials.error());
  }
  if (credentials->user != info_.user) {
    hub_.counters().bump(hub_.counters().auth_invalid_token);
    send_error(command.id, ErrorCode::unauthorized, "the new token is for another user");
    return disconnect(disconnect::unauthorized);
  }
  info_.info = credentials->info;
  credentials_ = std::make_unique<Credentials>(std::move(*credentials));
  schedule_token_expiry();
  hub_.counters().bump(hub_.counters().auth_refreshes);
  send([&](const MessageEncoder& e, std::string& out) { e.refreshed(out, command.id); });
}

// ---------------------------------------------------------------------------------------
// Timers (one node: connect deadline, then refresh notice, then expiry)

void Client::arm_connect_deadline() {
  timer.callback = &Client::on_connect_deadline;
  hub_.loop().timers().schedule(timer, hub_.hub().options().connect_timeout);
}

void Client::on_connect_deadline(net::TimerNode* node) {
  Client* client = static_cast<Client*>(node->owner);
  if (client->connected_ || client->disconnecting_) return;
  client->hub_.counters().bump(client->hub_.counters().auth_connect_timeouts);
  client->disconnect(disconnect::connect_timeout);
}

void Client::schedule_token_expiry() {
  net::TimingWheel& timers = hub_.loop().timers();
  if (!credentials_ || !credentials_->expires_at) return timers.cancel(timer);
  const HubOptions& options = hub_.hub().options();
  ExpirySchedule when = schedule_expiry(std::chrono::system_clock::now(), *credentials_->expires_at,
                                        options.token_leeway, options.refresh_before);
  timer.callback = &Client::on_refresh_due;
  timers.schedule(timer, when.refresh_in);
}

void Client::on_refresh_due(net::TimerNode* node) {
  Client* client = static_cast<Client*>(node->owner);
  if (client->disconnecting_ || !client->credentials_ || !client->credentials_->expires_at) return;
  const HubOptions& options = client->hub_.hub().options();
  ExpirySchedule when = schedule_expiry(std::chrono::system_clock::now(), *client->credentials_->expires_at,
                                        options.token_leeway, options.refresh_before);
  client->timer.callback = &Client::on_token_expired;
  client->hub_.loop().timers().schedule(client->timer, when.expire_in);
  client->send([](const MessageEncoder& e, std::string& out) { e.refresh_required(out); });
}

void Client::on_token_expired(net::TimerNode* node) {
  Client* client = static_cast<Client*>(node->owner);
  if (client->disconnecting_) return;
  client->hub_.counters().bump(client->hub_.counters().auth_expired_connections);
  client->disconnect(disconnect::token_expired);  // may free the client: nothing after
}

void Client::handle_application(const ClientCommand& command) {
  const TypeHandler* handler = hub_.hub().handler_for(command.type_name);
  if (!handler) {
    return send_error(command.id, ErrorCode::unknown_type,
                      "no handler for type '" + std::string(command.type_name) + "'");
  }
  MessageContext context{info_.client, info_.user, command.type_name, command.payload.encoding,
                         command.payload.bytes, hub_.index()};
  // The answer may come later and from another thread: it finds its way back to this
  // worker and to this client by id, and is dropped if the client left meanwhile.
  WorkerHub* hub = &hub_;
  uint64_t client_id = local_id_;
  std::optional<uint64_t> request_id = command.id;
  Responder responder([hub, client_id, request_id](std::optional<Payload> payload, std::optional<Error> error) {
    hub->run_here([hub, client_id, request_id, payload = std::move(payload), error = std::move(error)] {
      Client* client = hub->find_client(client_id);
      if (!client) return;
      if (error) return client->send_error(request_id, *error);
      client->send([&](const MessageEncoder& e, std::string& out) {
        e.reply(out, request_id, payload && !payload->bytes.empty() ? &*payload : nullptr);
      });
    });
  });
  (*handler)(context, std::move(responder));
}

Subscription* Client::find_subscription(std::string_view channel) {
  for (auto& s : subscriptions_) {
    if (s->channel == channel) return s.get();
  }
  return nullptr;
}

void Client::forget_subscription(Subscription* subscription) {
  for (size_t i = 0; i < subscriptions_.size(); ++i) {
    if (subscriptions_[i].get() == subscription) {
      subscriptions_[i] = std::move(subscriptions_.back());
      subscriptions_.pop_back();
      return;
    }
  }
}

void Client::send_error(std::optional<uint64_t> id, ErrorCode c, std::string_view message) {
  std::string_view text = message.empty() ? error_message(c) : message;
  send([&](const MessageEncoder& e, std::string& out) { e.error(out, id, code(c), text); });
}

void Client::send_error(std::optional<uint64_t> id, const Error& error) {
  send([&](const MessageEncoder& e, std::string& out) { e.error(out, id, error.code, error.message); });
}

void Client::disconnect(const DisconnectReason& reason) {
  if (disconnecting_) return;
  // Browsers see close codes, but libraries often hide them: the reason also goes out as
  // a message, just before the close frame.
  send([&](const MessageEncoder& e, std::string& out) { e.disconnect(out, reason); });
  disconnecting_ = true;
  peer_.disconnect(reason);  // may call WorkerHub::close_client, which frees us: touch nothing after
}

bool Client::may(Access access, std::string_view channel) const {
  switch (access) {
    case Access::nobody:
      return false;
    case Access::anyone:
      return true;
    case Access::authenticated:
      return authenticated();
    case Access::token:
      return credentials_ && channel_allowed(credentials_->channels, channel);
  }
  return false;
}

}  // namespace wshub::hub
