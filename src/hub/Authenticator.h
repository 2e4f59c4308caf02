#pragma once
// How the hub learns who a connection is. The hub calls it with the token of a
// `connect` or `refresh` request (or of the upgrade's `Authorization: Bearer`), and with
// subscription tokens for channels whose namespace requires one. Implementations verify
// signatures and claims (auth/JwtAuthenticator); the embedding application may plug its
// own. Calls are synchronous, CPU-only, and may come from any worker thread at once.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hub/Result.h"

namespace wshub::hub {

struct Credentials {
  std::string user;  // `sub`; empty is not allowed for a verified token
  std::string info;  // `info` claim: JSON object text, or empty
  // `exp`: the connection must refresh before this (refresh_required), or is closed 4004.
  std::optional<std::chrono::system_clock::time_point> expires_at;
  // `channels`: names or `prefix*` patterns the user may subscribe to without further checks.
  std::vector<std::string> channels;
};

class Authenticator {
 public:
  virtual ~Authenticator() = default;
  // Errors: unauthorized (bad signature, bad claims, malformed) or token_expired.
  virtual Result<Credentials> authenticate(std::string_view token) const = 0;
  // A subscription token: valid, `sub` equals `user` (empty for anonymous), `channel`
  // equals `channel`, not expired. Errors: permission_denied or token_expired.
  virtual Result<Unit> verify_subscription(std::string_view token, std::string_view user,
                                           std::string_view channel) const = 0;
};

// True when `channel` is allowed by one of `patterns` (exact names, or `prefix*`).
bool channel_allowed(const std::vector<std::string>& patterns, std::string_view channel);

}  // namespace wshub::hub
