#pragma once
// Verifies a token: parse (JwtParser), pick keys (KeySet), check the signature
// (JwsSignature), then the claims that do not depend on what the token is used for:
//   iss  equal to `issuer` when one is configured (then required);
//   aud  contains `audience` when one is configured (then required); otherwise only its
//        type is checked (RFC 7519 §4.1.3 would refuse any aud we are not named in; most
//        deployments mint one token for several services, so it is opt-in, like iss);
//   nbf  refused while now + leeway < nbf;
//   iat  refused when now + leeway < iat (issued in the future: a clock or issuer bug);
//   exp  required unless require_exp is false; refused once now >= exp + leeway.
// exp is checked last, so "expired" (which tells a client to refresh and retry) is only
// reported for tokens that are otherwise good. Comparisons are in whole seconds.
//
// Thread-safe: const after construction; the caller brings a JwtParser per thread.
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "auth/JwtError.h"
#include "auth/JwtParser.h"
#include "auth/KeySet.h"

namespace wshub::auth {

struct VerifierOptions {
  std::string audience;  // empty: aud not checked
  std::string issuer;    // empty: iss not checked
  bool require_exp = true;
  std::chrono::seconds leeway{0};  // clock skew allowed on exp, nbf, iat: 0 to kMaxLeeway
};

inline constexpr std::chrono::seconds kMaxLeeway{300};

class JwtVerifier {
 public:
  // Throws std::runtime_error when `keys` is empty or the leeway is outside [0, kMaxLeeway].
  JwtVerifier(KeySet keys, VerifierOptions options);

  // Verifies `token` at `now` (Unix seconds). On success `claims` holds the token's claims,
  // views into `parser` valid until its next use. Never throws.
  JwtError verify(std::string_view token, int64_t now, JwtParser& parser, JwtClaims& claims) const;

  const KeySet& keys() const { return keys_; }
  const VerifierOptions& options() const { return options_; }

 private:
  JwtError check_claims(const JwtClaims& claims, int64_t now) const;

  KeySet keys_;
  VerifierOptions options_;
};

}  // namespace wshub::auth
