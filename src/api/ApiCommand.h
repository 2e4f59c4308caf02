#pragma once
// One server API call, decoded and owning its parameters (docs/server-api.md). Decoding
// happens before anything runs, so a batch is refused whole when one of its commands is
// malformed, and nothing refers to the request's buffer once the work is asynchronous.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "hub/Publication.h"

namespace wshub::api {

enum class Method : uint8_t {
  publish,
  broadcast,
  send,
  subscribe,
  unsubscribe,
  disconnect,
  presence,
  presence_stats,
  history,
  history_remove,
  channels,
  info,
  connections,
  batch,
};

// "publish" -> Method::publish; nullopt for an unknown name.
std::optional<Method> method_from_name(std::string_view name);
std::string_view method_name(Method method);

struct PublishParams {
  std::string channel;
  std::string type;     // empty: "message"
  std::string payload;  // JSON text of one value
  std::string idempotency_key;
};

struct BroadcastParams {
  std::vector<std::string> channels;
  std::string type;
  std::string payload;
  std::string idempotency_key;  // applied per channel
};

struct SendParams {
  std::string user;
  std::string type;
  std::string payload;
};

struct UserChannelParams {  // subscribe, unsubscribe
  std::string user;
  std::string channel;
};

struct DisconnectParams {
  std::string user;
  uint16_t code = 4000;
  std::string reason = "disconnected by the server";
  bool reconnect = false;
};

struct ChannelParams {  // presence, presence_stats, history_remove
  std::string channel;
};

struct HistoryParams {
  std::string channel;
  std::optional<hub::StreamPosition> since;
  std::optional<uint64_t> limit;
  bool reverse = false;
};

struct ChannelsParams {
  std::string pattern;  // empty: every channel
};

struct InfoParams {};

struct ConnectionsParams {
  static constexpr uint64_t kDefaultLimit = 100;
  static constexpr uint64_t kMaxLimit = 1000;
  std::string user;     // exact user id; empty: any
  std::string channel;  // a channel name or pattern (`*`, `?`, as for `channels`); empty: any
  uint64_t limit = kDefaultLimit;
};

struct ApiCommand;
struct BatchParams {
  std::vector<ApiCommand> commands;
};

struct ApiCommand {
  Method method = Method::info;
  std::variant<PublishParams, BroadcastParams, SendParams, UserChannelParams, DisconnectParams, ChannelParams,
               HistoryParams, ChannelsParams, InfoParams, ConnectionsParams, BatchParams>
      params;
};

}  // namespace wshub::api
