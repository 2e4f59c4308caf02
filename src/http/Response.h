#pragma once
// Plain HTTP/1.1 responses (health checks, server API replies, handshake refusals). The 101 of a WebSocket
// handshake is built by Handshake, since a 1xx response carries no Content-Length (RFC 9110 §8.6).
#include <span>
#include <string>
#include <string_view>

#include "http/Request.h"

namespace wshub::http {

// The reason phrase for `status` (RFC 9110 §15), or "Unknown" for codes we never send.
std::string_view reason_phrase(int status);

// A complete response: status line, Content-Type (omitted when empty), Content-Length, Connection, then
// `extra` headers in order, then `body`. Connection is always explicit: "keep-alive" lets an HTTP/1.0 client
// keep the connection, "close" tells any client we will close after this response (RFC 9112 §9.6).
// `extra` must not contain CR or LF (the caller controls it; it is not client input).
std::string make_response(int status, std::string_view content_type, std::string_view body, bool keep_alive,
                          std::span<const Header> extra = {});

}  // namespace wshub::http
