#pragma once
// A client request of the wshub protocol, decoded (docs/protocol.md). Views point into
// the decoder's buffers and the frame: valid until the next decode on the same decoder.
#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/Publication.h"

namespace wshub::hub {

enum class CommandType : uint8_t {
  connect,
  subscribe,
  unsubscribe,
  publish,
  presence,
  presence_stats,
  history,
  ping,
  refresh,
  application,  // any other `type`: routed by type to its handler
};

struct PositionView {
  uint64_t offset = 0;
  std::string_view epoch;
};

struct PayloadView {
  Encoding encoding = Encoding::json;
  std::string_view bytes;  // one complete encoded value; empty when absent
  bool present() const { return !bytes.empty(); }
};

struct ClientCommand {
  CommandType type = CommandType::application;
  std::string_view type_name;  // the `type` field as sent
  std::optional<uint64_t> id;  // echoed in the reply
  std::string_view token;      // connect, refresh; subscribe (subscription token)
  std::string_view channel;    // subscribe, unsubscribe, publish, presence, history
  std::optional<PositionView> recover;  // subscribe
  std::string_view message_type;        // publish
  PayloadView payload;                  // publish, application; connect `data`
  std::optional<PositionView> since;    // history
  std::optional<uint64_t> limit;        // history
  bool reverse = false;                 // history
};

}  // namespace wshub::hub
