#pragma once
// What travels through the hub and its brokers: a publication on a channel, the client
// that sent it, and a position in a channel's stream. Plain values, owned, copyable:
// they cross threads (worker -> broker -> every worker) and, in a cluster, processes.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

namespace wshub::hub {

// How a payload is encoded. A payload keeps the encoding its publisher used; a
// subscriber on the other subprotocol gets it converted once per worker (see
// PayloadConversion.h), so neither format is a second-class citizen.
enum class Encoding : uint8_t {
  json,     // UTF-8 JSON text of one value
  msgpack,  // one MessagePack object
};

struct Payload {
  Encoding encoding = Encoding::json;
  std::string bytes;  // one complete value in `encoding`; never empty once validated
};

// Who a connection is, as presence and `from` show it.
struct ClientInfo {
  std::string client;  // connection id, unique in the cluster
  std::string user;    // user id; empty for anonymous connections
  std::string info;    // public data from the token's `info` claim: JSON object text, or empty
};

// A position in a channel's stream. The epoch names one continuous history: when it
// changes, offsets from another epoch mean nothing (history was lost and restarted).
struct StreamPosition {
  uint64_t offset = 0;
  std::string epoch;
};

struct Publication {
  std::string channel;
  uint64_t offset = 0;  // 0 when the channel keeps no history
  std::string type;     // message_type; empty means "message"
  Payload payload;
  std::optional<ClientInfo> from;  // set when a client published it
  // When this node's hub accepted it (Hub::publish), for the delivery latency histogram.
  // Local to the process: a broker that carries publications between nodes does not
  // transmit it, and a publication from another node has the zero value (not measured).
  std::chrono::steady_clock::time_point accepted_at{};
  // The epoch of `offset`, set by the broker with it (empty without history, or from a
  // broker that does not say): a live subscriber whose epoch differs has lost continuity.
  // Last, so that positional initialisers stay valid.
  std::string epoch;
};

// Publications are immutable once the broker assigned the offset, and shared between
// threads by reference count (one atomic increment per worker, never per delivery).
using PublicationPtr = std::shared_ptr<const Publication>;

}  // namespace wshub::hub
