#include "server/UpgradeToken.h"

#include "http/Ascii.h"
#include "http/Authorization.h"
#include "http/Response.h"
#include "hub/JsonString.h"

namespace wshub::server {

UpgradeToken find_upgrade_token(const http::Request& request) {
  size_t count = request.header_count("Authorization");
  if (count == 0) return {};
  // Authorization is a singleton field (RFC 9110 §11.6.2): two of them are ambiguous, and
  // picking one would let a proxy and a client disagree about who connected.
  if (count > 1) return UpgradeToken{UpgradeToken::Kind::malformed, {}, "more than one Authorization header"};
  http::AuthorizationValue value = http::split_authorization(request.header("Authorization"));
  if (!http::iequals(value.scheme, "Bearer")) return {};
  if (value.credentials.empty()) return UpgradeToken{UpgradeToken::Kind::malformed, {}, "empty Bearer token"};
  return UpgradeToken{UpgradeToken::Kind::bearer, value.credentials, {}};
}

std::string unauthorized_upgrade_response(const hub::Error& error) {
  std::string body = "{\"error\":{\"code\":" + std::to_string(error.code) + ",\"message\":";
  hub::append_json_string(body, error.message);
  body += "}}\n";
  http::Header challenge{"WWW-Authenticate", "Bearer error=\"invalid_token\""};
  return http::make_response(401, "application/json", body, false, std::span(&challenge, 1));
}

}  // namespace wshub::server
