#include "auth/JwtError.h"

namespace wshub::auth {

std::string_view describe(JwtError error) {
  switch (error) {
    case JwtError::none:
      return "ok";
    case JwtError::too_large:
      return "token too large";
    case JwtError::malformed:
      return "malformed token";
    case JwtError::bad_header:
      return "malformed token header";
    case JwtError::unsupported_algorithm:
      return "unsupported token algorithm";
    case JwtError::unknown_kid:
      return "unknown token kid";
    case JwtError::no_key_for_algorithm:
      return "no key for the token's algorithm";
    case JwtError::bad_signature:
      return "bad token signature";
    case JwtError::bad_claims:
      return "malformed token claims";
    case JwtError::expired:
      return "token expired";
    case JwtError::missing_expiry:
      return "token has no exp";
    case JwtError::not_yet_valid:
      return "token not yet valid (nbf)";
    case JwtError::issued_in_future:
      return "token issued in the future (iat)";
    case JwtError::wrong_audience:
      return "token audience mismatch";
    case JwtError::wrong_issuer:
      return "token issuer mismatch";
    case JwtError::missing_subject:
      return "token has no sub";
    case JwtError::channel_in_connection:
      return "subscription token used as a connection token";
    case JwtError::wrong_subject:
      return "subscription token for another user";
    case JwtError::wrong_channel:
      return "subscription token for another channel";
  }
  return "invalid token";
}

}  // namespace wshub::auth
