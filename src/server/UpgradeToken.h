#pragma once
// `Authorization: Bearer <token>` on the upgrade request of /websocket (docs/security.md):
// services that can set headers authenticate before the 101, and a bad token never gets
// a WebSocket. Which header carries what is decided here; verifying is the hub's
// Authenticator, and the refusal is a plain HTTP 401 with the protocol's error code.
#include <string>
#include <string_view>

#include "http/Request.h"
#include "hub/Result.h"

namespace wshub::server {

struct UpgradeToken {
  enum class Kind {
    none,       // no Authorization header, or another scheme (a proxy's Basic): connect later
    bearer,     // `token` is the Bearer credential
    malformed,  // Bearer without a token, or several Authorization headers: refuse
  };
  Kind kind = Kind::none;
  std::string_view token;    // for bearer: a view into the request
  std::string_view problem;  // for malformed: a static message
};

UpgradeToken find_upgrade_token(const http::Request& request);

// The complete 401 response: `{"error":{"code":<error.code>,"message":<error.message>}}`,
// WWW-Authenticate: Bearer error="invalid_token" (RFC 6750 §3), Connection: close.
std::string unauthorized_upgrade_response(const hub::Error& error);

}  // namespace wshub::server
