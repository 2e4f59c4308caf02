#pragma once
// permessage-deflate parameter negotiation (RFC 7692 §5, §7.1).
#include <optional>
#include <string>
#include <string_view>

namespace wshub::ws {

// What the server is willing to do (from configuration).
struct DeflateOptions {
  bool enabled = true;
  int server_max_window_bits = 15;  // upper bound for our compressor's window
  int client_max_window_bits = 15;  // upper bound we ask of clients that allow it
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
  int level = 1;  // zlib level for our compressor
};

// The agreed parameters for one connection.
struct DeflateParams {
  int server_max_window_bits = 15;
  int client_max_window_bits = 15;
  bool server_no_context_takeover = false;
  bool client_no_context_takeover = false;
};

// `offers` is the Sec-WebSocket-Extensions value (several header lines joined by ", ").
// Accepts the first acceptable permessage-deflate offer (RFC 7692 §5.1: offers are in the
// client's preference order), writes the value of the response's Sec-WebSocket-Extensions
// header into `response`, and returns the parameters. Returns nullopt, leaving `response`
// empty, when compression is disabled or no offer is acceptable (unknown or duplicated
// parameters, values out of range, syntax errors): the handshake then proceeds without it.
std::optional<DeflateParams> negotiate_deflate(std::string_view offers, const DeflateOptions& server,
                                               std::string& response);

// Fan-out: whether a frame compressed once by a no_context_takeover Deflater with
// `shared_window_bits` may be sent to a connection with these parameters. The peer's
// inflater accepts any back-reference within its window, whatever its own context takeover,
// so only the window matters. A connection whose own Deflater keeps context must then be
// told with Deflater::append_history (see Deflater.h).
inline bool accepts_shared_frame(const DeflateParams& connection, int shared_window_bits) {
  return shared_window_bits <= connection.server_max_window_bits;
}

}  // namespace wshub::ws
