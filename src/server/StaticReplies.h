#pragma once
// The answers of the pages wshub serves from embedded files (the admin dashboard, the
// demos). One set of headers for all of them, so that no page can be framed, sniffed,
// or fed script from another origin, and a new binary's files are never served stale.
#include <string_view>

#include "http/Handler.h"
#include "server/EmbeddedFile.h"

namespace wshub::server {

inline constexpr std::string_view kStaticContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// CSP, nosniff, no framing, no referrer, and `cache_control` (small files, and a new
// binary may bring new ones: revalidate every time by default).
void add_static_headers(http::Reply& reply, std::string_view cache_control = "no-cache");

// 200 with the file and its Content-Type (for HEAD the engine sends the headers only).
http::Reply static_file_reply(const EmbeddedFile& file);
// `status` with {"error":{"code":status,"message":..}}.
http::Reply static_error_reply(int status, std::string_view message);
// 405 with Allow: GET, HEAD.
http::Reply static_method_refused();

}  // namespace wshub::server
