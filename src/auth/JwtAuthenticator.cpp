#include "auth/JwtAuthenticator.h"

#include <stdexcept>

#include "hub/ErrorCode.h"

namespace wshub::auth {
namespace {

struct ThreadState {
  JwtParser parser;
  JwtClaims claims;  // reused: its vectors keep their capacity
};

// One per thread: the hub calls from every worker at once, and parsers are not shared.
ThreadState& thread_state() {
  thread_local ThreadState state;
  return state;
}

int64_t unix_now() {
  using namespace std::chrono;
  return duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
}

hub::Error error(hub::ErrorCode code, JwtError reason) {
  return hub::Error{hub::code(code), std::string(describe(reason))};
}

}  // namespace

std::unique_ptr<JwtAuthenticator> JwtAuthenticator::create(const AuthOptions& options) {
  KeySet keys;
  if (!options.hmac_secret.empty()) keys.add_hmac_secret(options.hmac_secret);
  for (const std::string& spec : options.public_key_files) keys.add_public_key_file(spec);
  if (!options.jwks_file.empty()) keys.add_jwks_file(options.jwks_file);
  if (keys.empty()) {
    throw std::runtime_error(
        "auth: no key configured (auth.hmac_secret, auth.public_key_file or auth.jwks_file)");
  }
  VerifierOptions verifier_options;
  verifier_options.audience = options.audience;
  verifier_options.issuer = options.issuer;
  verifier_options.require_exp = options.require_exp;
  verifier_options.leeway = options.leeway;
  return std::make_unique<JwtAuthenticator>(JwtVerifier(std::move(keys), std::move(verifier_options)));
}

JwtAuthenticator::JwtAuthenticator(JwtVerifier verifier) : verifier_(std::move(verifier)) {}

hub::Result<hub::Credentials> JwtAuthenticator::authenticate(std::string_view token) const {
  return authenticate_at(token, unix_now());
}

hub::Result<hub::Unit> JwtAuthenticator::verify_subscription(std::string_view token, std::string_view user,
                                                             std::string_view channel) const {
  return verify_subscription_at(token, user, channel, unix_now());
}

hub::Result<hub::Credentials> JwtAuthenticator::authenticate_at(std::string_view token, int64_t now) const {
  ThreadState& state = thread_state();
  const JwtClaims& claims = state.claims;
  JwtError reason = verifier_.verify(token, now, state.parser, state.claims);
  if (reason == JwtError::none && (!claims.sub || claims.sub->empty())) reason = JwtError::missing_subject;
  if (reason == JwtError::none && claims.channel) reason = JwtError::channel_in_connection;
  if (reason != JwtError::none) {
    return error(reason == JwtError::expired ? hub::ErrorCode::token_expired : hub::ErrorCode::unauthorized,
                 reason);
  }
  hub::Credentials credentials;
  credentials.user = *claims.sub;
  credentials.info = claims.info;
  if (claims.exp) {
    credentials.expires_at =
        std::chrono::system_clock::time_point(std::chrono::seconds(std::min(*claims.exp, kLatestExpiry)));
  }
  credentials.channels.assign(claims.channels.begin(), claims.channels.end());
  return credentials;
}

hub::Result<hub::Unit> JwtAuthenticator::verify_subscription_at(std::string_view token, std::string_view user,
                                                                std::string_view channel, int64_t now) const {
  ThreadState& state = thread_state();
  const JwtClaims& claims = state.claims;
  JwtError reason = verifier_.verify(token, now, state.parser, state.claims);
  if (reason == JwtError::none && claims.sub.value_or(std::string_view()) != user)
    reason = JwtError::wrong_subject;
  if (reason == JwtError::none && claims.channel != channel) reason = JwtError::wrong_channel;
  if (reason != JwtError::none) {
    return error(
        reason == JwtError::expired ? hub::ErrorCode::token_expired : hub::ErrorCode::permission_denied,
        reason);
  }
  return hub::Unit{};
}

}  // namespace wshub::auth
