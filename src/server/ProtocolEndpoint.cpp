#include "server/ProtocolEndpoint.h"

#include <spdlog/spdlog.h>

#include <memory>

#include "hub/Hub.h"
#include "server/ConnectionLog.h"
#include "server/Logging.h"
#include "server/UpgradeToken.h"
#include "server/Worker.h"

namespace wshub::server {

namespace {
constexpr std::string_view kMsgpackSubprotocol = "wshub.msgpack";
}

// Runs on the connection's worker, before the 101. The token is never logged: only the
// reason, which names a check (JwtError), never the token's bytes.
std::string ProtocolEndpoint::on_upgrade_request(Connection& connection, const http::Request& request) {
  UpgradeToken found = find_upgrade_token(request);
  if (found.kind == UpgradeToken::Kind::none) return {};
  hub::WorkerHub& hub = *hubs_[connection.worker().index()];
  std::optional<hub::Result<hub::Credentials>> result;
  if (found.kind == UpgradeToken::Kind::malformed) {
    result.emplace(hub::Error{hub::code(hub::ErrorCode::unauthorized), std::string(found.problem)});
  } else if (const hub::Authenticator* authenticator = hub.hub().authenticator()) {
    result.emplace(authenticator->authenticate(found.token));
  } else {
    result.emplace(hub::Error{hub::code(hub::ErrorCode::unauthorized),
                              "this server verifies no tokens (auth is not configured)"});
  }
  if (!*result) {
    const hub::Error& error = result->error();
    hub.counters().count_auth_failure(error.code);
    // Bad tokens come in floods (a misconfigured client retrying): rate-limited per worker.
    if (auto held_back = refusal_log_[connection.worker().index()].admit(std::chrono::steady_clock::now())) {
      component_log(LogComponent::hub)
          .info("connection {} from {}: upgrade refused, Bearer token rejected ({} {}){}", connection.id(),
                connection.remote_address(), error.code, error.message,
                *held_back ? fmt::format(" (suppressed {} similar)", *held_back) : std::string());
    }
    return unauthorized_upgrade_response(error);
  }
  // Picked up by on_open, which upgrade() calls right after this returns.
  connection.user_data = new hub::Credentials(std::move(**result));
  return {};
}

void ProtocolEndpoint::on_open(Connection& connection) {
  bool msgpack = connection.subprotocol() == kMsgpackSubprotocol;
  connection.set_binary_messages(msgpack);
  hub::WorkerHub& hub = *hubs_[connection.worker().index()];
  std::unique_ptr<hub::Credentials> bearer(static_cast<hub::Credentials*>(connection.user_data));
  // Cleared before open_client: a client refused there (per-user cap) is closed inside
  // it, and on_close must not take the credentials for a Client.
  connection.user_data = nullptr;
  std::optional<hub::Credentials> credentials;
  if (bearer) credentials = std::move(*bearer);
  std::string bearer_user = credentials ? credentials->user : std::string();
  RefusedClose& refused = refused_close_[connection.worker().index()];
  refused = RefusedClose{true, 0, {}};
  hub::Client* client = hub.open_client(connection, msgpack ? hub::Encoding::msgpack : hub::Encoding::json,
                                        std::move(credentials));
  refused.opening = false;
  connection.user_data = client;
  ConnectionLogEntry entry{client ? std::string_view(client->info().client) : std::string_view(),
                           client ? std::string_view(client->info().user) : std::string_view(bearer_user),
                           {}, connection.subprotocol()};
  std::string remote = connection.remote_address();
  entry.remote = remote;
  log_connection_open(entry);
  if (!client) {  // refused and closed already: its close line too, in order
    log_connection_closed(entry, std::chrono::nanoseconds(0), refused.code, refused.reason);
  }
}

void ProtocolEndpoint::on_message(Connection& connection, ws::Opcode, std::span<const std::byte> payload) {
  if (auto* client = static_cast<hub::Client*>(connection.user_data)) client->on_frame(payload);
}

void ProtocolEndpoint::on_close(Connection& connection, uint16_t code, std::string_view reason) {
  auto* client = static_cast<hub::Client*>(connection.user_data);
  if (!client) {  // refused in on_open, which logs it
    RefusedClose& refused = refused_close_[connection.worker().index()];
    if (refused.opening) {
      refused.code = code;
      refused.reason = std::string(reason);
    }
    return;
  }
  connection.user_data = nullptr;
  std::string remote = connection.remote_address();
  log_connection_closed({client->info().client, client->info().user, remote, connection.subprotocol()},
                        std::chrono::system_clock::now() - client->connected_at(), code, reason);
  hubs_[connection.worker().index()]->close_client(client);
}

void ProtocolEndpoint::on_server_shutdown(Connection& connection) {
  if (auto* client = static_cast<hub::Client*>(connection.user_data)) return client->disconnect(hub::disconnect::shutdown);
  connection.disconnect(hub::disconnect::shutdown);
}

// No disconnect message here: the client's queue is what overflowed.
void ProtocolEndpoint::on_slow_consumer(Connection& connection) {
  connection.disconnect(hub::disconnect::slow_consumer);
}

}  // namespace wshub::server
