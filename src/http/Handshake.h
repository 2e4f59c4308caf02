#pragma once
// The server side of the WebSocket opening handshake (RFC 6455 §4.2), as a pure function from a parsed
// request to the bytes to send. The caller writes `response`; on 101 it switches the connection to the
// WebSocket codec with the negotiated subprotocol and deflate parameters, otherwise it closes after writing.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/OriginPolicy.h"
#include "http/Request.h"
#include "ws/DeflateNegotiation.h"

namespace wshub::http {

struct HandshakeOptions {
  const std::vector<std::string>* subprotocols = nullptr;  // server-supported, in server preference order
  const OriginPolicy* origins = nullptr;                   // nullptr = any origin
  ws::DeflateOptions deflate;                              // deflate.enabled=false: never negotiate
};

struct HandshakeOutcome {
  int status = 0;           // 101 on success, else the HTTP error status sent
  std::string response;     // complete bytes to write (the 101, or an error response with Connection: close)
  std::string subprotocol;  // selected, or empty
  std::optional<ws::DeflateParams> deflate;
  std::string_view error;  // short static reason for logs/metrics when status != 101
};

// The Upgrade header's token list contains "websocket" (case-insensitive). The router uses this to choose
// between accept_websocket and plain HTTP handling.
bool is_websocket_upgrade(const Request& r);

// Validates the request (RFC 6455 §4.2.1) and builds the response (§4.2.2). Checks, in order:
//   method GET (405 + Allow: GET); HTTP/1.1 or later (400); Host present (400); Upgrade contains websocket
//   (400); Connection contains upgrade (400); Sec-WebSocket-Version 13 (426 + Sec-WebSocket-Version: 13);
//   exactly one Sec-WebSocket-Key of 16 base64-encoded bytes (400); Origin allowed by the policy (403).
// Subprotocol: the first of the server's protocols, in the server's order, that the client offered; none
// matching means no Sec-WebSocket-Protocol header, and the client decides whether to continue (§4.2.2).
std::string compute_accept_key(std::string_view sec_websocket_key);
HandshakeOutcome accept_websocket(const Request& r, const HandshakeOptions& options);

}  // namespace wshub::http
