#pragma once
// Server → client messages of docs/protocol.md, decoded with simdjson's DOM into one flat
// struct: the client looks at `type`, `id` and the few fields that type carries. Payloads and
// `info` are kept as (minified) JSON text for the application. Sans-IO: bytes in, struct out.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "wshub/client/Types.h"

namespace wshub::client {

struct ServerMessage {
  std::string type;
  bool has_id = false;
  uint64_t id = 0;
  std::string channel;
  bool has_offset = false;
  uint64_t offset = 0;
  std::string epoch;
  bool has_recovered = false;
  bool recovered = false;
  int code = 0;         // error code, or the close code of `disconnect`
  std::string message;  // error message
  std::string reason;   // disconnect reason
  bool has_reconnect = false;
  bool reconnect = false;
  bool has_payload = false;
  std::string payload_json;
  std::string client, user, info_json;  // connected, join, leave
  bool has_from = false;
  ClientInfo from;
  std::vector<ClientInfo> clients;          // presence
  std::vector<Publication> publications;    // history
  uint64_t num_clients = 0, num_users = 0;  // presence_stats
};

class ServerMessageParser {
 public:
  ServerMessageParser();
  ~ServerMessageParser();
  // Decodes one message (an object; an array's elements are each decoded, as for requests).
  // Returns false when `text` is not JSON or holds no object with a non-empty string `type`.
  bool parse(std::string_view text, std::vector<ServerMessage>& out);

 private:
  struct Impl;
  Impl* impl_;
};

// The publication fields of `m` (type, channel, offset, payload, from).
Publication to_publication(const ServerMessage& m);

}  // namespace wshub::client
