#pragma once
// Why a token was refused. The reason is for logs and for the client's error message; the
// protocol error code is coarser (JwtAuthenticator: expired -> token_expired (109), every
// other reason -> unauthorized (101), or permission_denied (103) for subscription tokens).
// Telling a client which check failed reveals nothing it could not learn from its own
// token, and makes integration bugs quick to find.
#include <cstdint>
#include <string_view>

namespace wshub::auth {

enum class JwtError : uint8_t {
  none,
  too_large,              // longer than the limit (checked before any decoding)
  malformed,              // not three base64url parts separated by '.'
  bad_header,             // header not a JSON object, duplicate names, alg/kid/typ not strings,
                          // or a "crit" member (RFC 7515 §4.1.11: no extension is understood)
  unsupported_algorithm,  // "none", or a name not in JwtAlgorithm.h
  unknown_kid,            // the kid names no key and no key is configured without a kid
  no_key_for_algorithm,   // no configured key of the algorithm's type
  bad_signature,          // no candidate key verifies the signature
  bad_claims,             // claims not a JSON object, duplicate names, a claim of the wrong type
  expired,                // now >= exp + leeway
  missing_expiry,         // no exp while exp is required
  not_yet_valid,          // now + leeway < nbf
  issued_in_future,       // now + leeway < iat
  wrong_audience,         // audience configured and not in aud
  wrong_issuer,           // issuer configured and iss differs
  missing_subject,        // connection token without a non-empty sub
  channel_in_connection,  // a connection token with a `channel` claim (a subscription token)
  wrong_subject,          // subscription token: sub is not the connection's user
  wrong_channel,          // subscription token: no channel claim, or another channel
};

std::string_view describe(JwtError error);

}  // namespace wshub::auth
