#pragma once
// hub::Authenticator for JWT connection and subscription tokens (docs/security.md).
//
// Connection token: a verified token (JwtVerifier) with a non-empty `sub` and no
// `channel` claim (that would be a subscription token, which may be handed out more
// freely and must not open connections). Credentials: user = sub, info = `info` as
// compact JSON, expires_at = exp, channels = `channels`.
// Subscription token: a verified token whose sub equals the connection's user (absent
// sub = anonymous) and whose `channel` equals the channel.
//
// Error codes: expired -> token_expired (109); anything else -> unauthorized (101) for
// connection tokens, permission_denied (103) for subscription tokens. The message names
// the reason (JwtError's describe()).
//
// Thread-safe: keys and options are read-only; each thread has its own JwtParser and
// claims (thread_local), so once warm a verification allocates, besides what the
// Credentials hold, only inside OpenSSL: 2 blocks for HS* (tests/unit/auth/verify_cost_test).
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/JwtVerifier.h"
#include "hub/Authenticator.h"

namespace wshub::auth {

// Configuration keys auth.* (docs/security.md). At least one key source must be given.
struct AuthOptions {
  std::string hmac_secret;                    // raw bytes, at least 32
  std::vector<std::string> public_key_files;  // PEM public keys: "path" or "kid=path"
  std::string jwks_file;                      // a JSON Web Key Set
  std::string audience;                       // required in aud when set
  std::string issuer;                         // required as iss when set
  bool require_exp = true;
  std::chrono::seconds leeway{0};  // 0 to 300 s of clock skew on exp, nbf, iat
};

class JwtAuthenticator final : public hub::Authenticator {
 public:
  // Loads every key once. Throws std::runtime_error naming the file or setting at fault:
  // no key source, unreadable or invalid keys, a short HMAC secret, a leeway out of range.
  static std::unique_ptr<JwtAuthenticator> create(const AuthOptions& options);

  explicit JwtAuthenticator(JwtVerifier verifier);

  hub::Result<hub::Credentials> authenticate(std::string_view token) const override;
  hub::Result<hub::Unit> verify_subscription(std::string_view token, std::string_view user,
                                             std::string_view channel) const override;

  // The same at a given time (Unix seconds), for tests and the fuzzer.
  hub::Result<hub::Credentials> authenticate_at(std::string_view token, int64_t now) const;
  hub::Result<hub::Unit> verify_subscription_at(std::string_view token, std::string_view user,
                                                std::string_view channel, int64_t now) const;

  const JwtVerifier& verifier() const { return verifier_; }

 private:
  JwtVerifier verifier_;
};

// exp values beyond this (2100-01-01) are reported as this in Credentials::expires_at, so
// that the time_point (nanoseconds in 64 bits, good until 2262) cannot overflow.
inline constexpr int64_t kLatestExpiry = 4'102'444'800;

}  // namespace wshub::auth
