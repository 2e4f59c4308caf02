#pragma once
// Writes the server -> client messages of the wshub protocol (docs/protocol.md) in one
// encoding. Each call appends one complete message (a JSON object, or a MessagePack map
// with the same keys) to `out`; the caller frames it. Payloads in the other encoding are
// converted (PayloadConversion.h). Field order is fixed (`type` first), so tests and
// clients can rely on the shapes.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/ErrorCode.h"
#include "hub/Publication.h"

namespace wshub::hub {

class MessageWriter;

// The objects shared by protocol messages and the server API's results, so both show a
// publication or a presence entry the same way.
// {"type","channel"?,"offset"?,"payload","from"?}
void write_publication(MessageWriter& w, const Publication& publication);
// {"client","user","info"?}; info only when `with_info` and present
void write_client_info(MessageWriter& w, const ClientInfo& client, bool with_info);

class MessageEncoder {
 public:
  explicit MessageEncoder(Encoding encoding) : encoding_(encoding) {}
  Encoding encoding() const { return encoding_; }

  // {"type":"connected","id":..,"client":"..","user":".."}
  void connected(std::string& out, std::optional<uint64_t> id, std::string_view client,
                 std::string_view user) const;
  // {"type":"subscribed","id":..,"channel":"..","offset":N,"epoch":"..","recovered":bool}
  // offset/epoch only when `position` is set (channels with history); recovered only
  // when the request asked to recover.
  void subscribed(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                  const StreamPosition* position, std::optional<bool> recovered) const;
  // {"type":"unsubscribed","id":..,"channel":".."}
  void unsubscribed(std::string& out, std::optional<uint64_t> id, std::string_view channel) const;
  // {"type":"ack","id":..} plus "offset" when the channel keeps history
  void ack(std::string& out, std::optional<uint64_t> id, std::optional<uint64_t> offset) const;
  // {"type":"presence","id":..,"channel":"..","clients":[{"client","user","info"?},..]}
  void presence(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                std::span<const ClientInfo> clients) const;
  // {"type":"presence_stats","id":..,"channel":"..","num_clients":N,"num_users":N}
  void presence_stats(std::string& out, std::optional<uint64_t> id, std::string_view channel,
                      size_t num_clients, size_t num_users) const;
  // {"type":"history","id":..,"channel":"..","publications":[<publication>..],"offset":N,"epoch":".."}
  void history(std::string& out, std::optional<uint64_t> id, std::string_view channel,
               std::span<const PublicationPtr> publications, const StreamPosition& position) const;
  // {"type":"pong","id":..}
  void pong(std::string& out, std::optional<uint64_t> id) const;
  // {"type":"reply","id":..,"payload":..}; payload omitted when empty
  void reply(std::string& out, std::optional<uint64_t> id, const Payload* payload) const;
  // {"type":"error","id":..,"code":N,"message":".."}; id omitted when absent
  void error(std::string& out, std::optional<uint64_t> id, uint32_t code, std::string_view message) const;
  // {"type":"<type or 'message'>","channel":"..","offset":N,"payload":..,"from":{"client","user"}}
  // channel omitted when empty (user-addressed messages), offset when 0, from when absent.
  void publication(std::string& out, const Publication& publication) const;
  // {"type":"join"|"leave","channel":"..","client":"..","user":"..","info":..}
  void join(std::string& out, std::string_view channel, const ClientInfo& client) const;
  void leave(std::string& out, std::string_view channel, const ClientInfo& client) const;
  // {"type":"disconnect","code":N,"reason":"..","reconnect":bool} sent before a 4xxx close
  void disconnect(std::string& out, const DisconnectReason& reason) const;
  // {"type":"refresh_required"} and {"type":"refreshed","id":..}
  void refresh_required(std::string& out) const;
  void refreshed(std::string& out, std::optional<uint64_t> id) const;

 private:
  Encoding encoding_;
};

}  // namespace wshub::hub
