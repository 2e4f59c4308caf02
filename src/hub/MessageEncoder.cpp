#include "hub/MessageEncoder.h"

#include "hub/MessageWriter.h"

namespace wshub::hub {
namespace {

// The pieces every reply shares. `fields` counts what follows `type` and `id`.
void begin(MessageWriter& w, std::string_view type, std::optional<uint64_t> id, uint32_t fields) {
  w.begin_object(1 + (id ? 1 : 0) + fields);
  w.string_field("type", type);
  if (id) w.uint_field("id", *id);
}

void membership(MessageWriter& w, std::string_view type, std::string_view channel, const ClientInfo& client) {
  const bool info = !client.info.empty();
  w.begin_object(4 + (info ? 1 : 0));
  w.string_field("type", type);
  w.string_field("channel", channel);
  w.string_field("client", client.client);
  w.string_field("user", client.user);
  if (info) {
    w.key("info");
    w.json_value(client.info);
  }
  w.end_object();
}

}  // namespace

// A presence entry, or the `from` of a publication (no info there).
void write_client_info(MessageWriter& w, const ClientInfo& client, bool with_info) {
  const bool info = with_info && !client.info.empty();
  w.begin_object(2 + (info ? 1 : 0));
  w.string_field("client", client.client);
  w.string_field("user", client.user);
  if (info) {
    w.key("info");
    w.json_value(client.info);
  }
  w.end_object();
}

// Also the items of a history reply, so clients handle both with the same code.
void write_publication(MessageWriter& w, const Publication& p) {
  const bool channel = !p.channel.empty();
  const bool offset = p.offset != 0;
  const bool from = p.from.has_value();
  w.begin_object(2 + (channel ? 1 : 0) + (offset ? 1 : 0) + (from ? 1 : 0));
  w.string_field("type", p.type.empty() ? std::string_view("message") : std::string_view(p.type));
  if (channel) w.string_field("channel", p.channel);
  if (offset) w.uint_field("offset", p.offset);
  w.key("payload");
  w.payload(p.payload);
  if (from) {
    w.key("from");
    write_client_info(w, *p.from, false);
  }
  w.end_object();
}


void MessageEncoder::connected(std::string& out, std::optional<uint64_t> id, std::string_view client,
                               std::string_view user) const {
  MessageWriter w(encoding_, out);
  begin(w, "connected", id, 2);
  w.string_field("client", client);
  w.string_field("user", user);
  w.end_object();
}

void MessageEncoder::subscribed(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                                const StreamPosition* position, std::optional<bool> recovered) const {
  MessageWriter w(encoding_, out);
  begin(w, "subscribed", id, 1 + (position ? 2 : 0) + (recovered ? 1 : 0));
  w.string_field("channel", channel);
  if (position) {
    w.uint_field("offset", position->offset);
    w.string_field("epoch", position->epoch);
  }
  if (recovered) w.bool_field("recovered", *recovered);
  w.end_object();
}

void MessageEncoder::unsubscribed(std::string& out, std::optional<uint64_t> id,
                                  std::string_view channel) const {
  MessageWriter w(encoding_, out);
  begin(w, "unsubscribed", id, 1);
  w.string_field("channel", channel);
  w.end_object();
}

void MessageEncoder::ack(std::string& out, std::optional<uint64_t> id, std::optional<uint64_t> offset) const {
  MessageWriter w(encoding_, out);
  begin(w, "ack", id, offset ? 1 : 0);
  if (offset) w.uint_field("offset", *offset);
  w.end_object();
}

void MessageEncoder::presence(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                              std::span<const ClientInfo> clients) const {
  MessageWriter w(encoding_, out);
  begin(w, "presence", id, 2);
  w.string_field("channel", channel);
  w.key("clients");
  w.begin_array(static_cast<uint32_t>(clients.size()));
  for (const ClientInfo& client : clients) write_client_info(w, client, true);
  w.end_array();
  w.end_object();
}

void MessageEncoder::presence_stats(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                                    size_t num_clients, size_t num_users) const {
  MessageWriter w(encoding_, out);
  begin(w, "presence_stats", id, 3);
  w.string_field("channel", channel);
  w.uint_field("num_clients", num_clients);
  w.uint_field("num_users", num_users);
  w.end_object();
}

void MessageEncoder::history(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                             std::span<const PublicationPtr> publications,
                             const StreamPosition& position) const {
  MessageWriter w(encoding_, out);
  begin(w, "history", id, 4);
  w.string_field("channel", channel);
  w.key("publications");
  w.begin_array(static_cast<uint32_t>(publications.size()));
  for (const PublicationPtr& p : publications) write_publication(w, *p);
  w.end_array();
  w.uint_field("offset", position.offset);
  w.string_field("epoch", position.epoch);
  w.end_object();
}

void MessageEncoder::pong(std::string& out, std::optional<uint64_t> id) const {
  MessageWriter w(encoding_, out);
  begin(w, "pong", id, 0);
  w.end_object();
}

void MessageEncoder::reply(std::string& out, std::optional<uint64_t> id, const Payload* payload) const {
  const bool has_payload = payload != nullptr && !payload->bytes.empty();
  MessageWriter w(encoding_, out);
  begin(w, "reply", id, has_payload ? 1 : 0);
  if (has_payload) {
    w.key("payload");
    w.payload(*payload);
  }
  w.end_object();
}

void MessageEncoder::error(std::string& out, std::optional<uint64_t> id, uint32_t code,
                           std::string_view message) const {
  MessageWriter w(encoding_, out);
  begin(w, "error", id, 2);
  w.uint_field("code", code);
  w.string_field("message", message);
  w.end_object();
}

void MessageEncoder::publication(std::string& out, const Publication& publication) const {
  MessageWriter w(encoding_, out);
  write_publication(w, publication);
}

void MessageEncoder::join(std::string& out, std::string_view channel, const ClientInfo& client) const {
  MessageWriter w(encoding_, out);
  membership(w, "join", channel, client);
}

void MessageEncoder::leave(std::string& out, std::string_view channel, const ClientInfo& client) const {
  MessageWriter w(encoding_, out);
  membership(w, "leave", channel, client);
}

void MessageEncoder::disconnect(std::string& out, const DisconnectReason& reason) const {
  MessageWriter w(encoding_, out);
  begin(w, "disconnect", std::nullopt, 3);
  w.uint_field("code", reason.code);
  w.string_field("reason", reason.reason);
  w.bool_field("reconnect", reason.reconnect);
  w.end_object();
}

void MessageEncoder::refresh_required(std::string& out) const {
  MessageWriter w(encoding_, out);
  begin(w, "refresh_required", std::nullopt, 0);
  w.end_object();
}

void MessageEncoder::refreshed(std::string& out, std::optional<uint64_t> id) const {
  MessageWriter w(encoding_, out);
  begin(w, "refreshed", id, 0);
  w.end_object();
}

}  // namespace wshub::hub
