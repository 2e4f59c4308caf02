#include "auth/JwtVerifier.h"

#include <algorithm>
#include <stdexcept>

#include "auth/JwsSignature.h"

namespace wshub::auth {

JwtVerifier::JwtVerifier(KeySet keys, VerifierOptions options)
    : keys_(std::move(keys)), options_(std::move(options)) {
  if (keys_.empty()) throw std::runtime_error("auth: no verification key configured");
  if (options_.leeway < std::chrono::seconds(0) || options_.leeway > kMaxLeeway) {
    throw std::runtime_error("auth: leeway must be between 0 and 300 seconds");
  }
}

JwtError JwtVerifier::verify(std::string_view text, int64_t now, JwtParser& parser, JwtClaims& claims) const {
  JwtToken token;
  if (JwtError error = parser.parse(text, token); error != JwtError::none) return error;
  bool verified = false;
  const KeySet::Lookup lookup =
      keys_.for_each_candidate(token.header.alg, token.header.kid, [&](const VerificationKey& key) {
        verified = verify_jws_signature(token.header.alg, key, token.signing_input, token.signature);
        return verified;
      });
  switch (lookup) {
    case KeySet::Lookup::unknown_kid:
      return JwtError::unknown_kid;
    case KeySet::Lookup::no_key_for_algorithm:
      return JwtError::no_key_for_algorithm;
    case KeySet::Lookup::tried:
      break;
  }
  if (!verified) return JwtError::bad_signature;
  if (JwtError error = parser.parse_claims(token.payload, claims); error != JwtError::none) return error;
  return check_claims(claims, now);
}

JwtError JwtVerifier::check_claims(const JwtClaims& claims, int64_t now) const {
  if (!options_.issuer.empty() && claims.iss != options_.issuer) return JwtError::wrong_issuer;
  if (!options_.audience.empty() &&
      std::find(claims.aud.begin(), claims.aud.end(), options_.audience) == claims.aud.end()) {
    return JwtError::wrong_audience;
  }
  // NumericDates are within ±kMaxNumericDate and leeway within kMaxLeeway: no overflow.
  const int64_t leeway = options_.leeway.count();
  if (claims.nbf && now + leeway < *claims.nbf) return JwtError::not_yet_valid;
  if (claims.iat && now + leeway < *claims.iat) return JwtError::issued_in_future;
  if (!claims.exp) return options_.require_exp ? JwtError::missing_expiry : JwtError::none;
  if (now >= *claims.exp + leeway) return JwtError::expired;
  return JwtError::none;
}

}  // namespace wshub::auth
