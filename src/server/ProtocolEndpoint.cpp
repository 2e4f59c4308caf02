#include "server/ProtocolEndpoint.h"

#include "server/Worker.h"

namespace wshub::server {

namespace {
constexpr std::string_view kMsgpackSubprotocol = "wshub.msgpack";
}

void ProtocolEndpoint::on_open(Connection& connection) {
  bool msgpack = connection.subprotocol() == kMsgpackSubprotocol;
  connection.set_binary_messages(msgpack);
  hub::WorkerHub& hub = *hubs_[connection.worker().index()];
  connection.user_data =
      hub.open_client(connection, msgpack ? hub::Encoding::msgpack : hub::Encoding::json, std::nullopt);
}

void ProtocolEndpoint::on_message(Connection& connection, ws::Opcode, std::span<const std::byte> payload) {
  if (auto* client = static_cast<hub::Client*>(connection.user_data)) client->on_frame(payload);
}

void ProtocolEndpoint::on_close(Connection& connection, uint16_t, std::string_view) {
  auto* client = static_cast<hub::Client*>(connection.user_data);
  if (!client) return;
  connection.user_data = nullptr;
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
