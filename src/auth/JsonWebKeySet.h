#pragma once
// Verification keys from a JSON Web Key Set (RFC 7517 §5), the format identity providers
// publish at their jwks_uri: {"keys": [{"kty": ..., "kid": ..., ...}, ...]}.
//
//   kty "RSA"  n, e                       RS256/384/512 (2048 bits or more)
//   kty "EC"   crv "P-256"|"P-384", x, y  ES256 | ES384
//   kty "OKP"  crv "Ed25519", x           EdDSA (RFC 8037)
//   kty "oct"  k                          HS256/384/512 (32 bytes or more)
// Optional members: "kid"; "alg" (the key then verifies only that algorithm); "use" and
// "key_ops" (a key whose "use" is not "sig", or whose "key_ops" lacks "verify", is meant
// for something else and is skipped). Anything else - another kty or curve, a malformed
// or wrongly sized coordinate, private members ("d", ...), an "alg" that does not fit the
// key - is an error: a key set that silently loses keys fails later and obscurely.
// EVP_PKEYs are built with EVP_PKEY_fromdata, which checks that EC points lie on their
// curve. Start-up only: errors are exceptions naming the origin and the key's index.
#include <string>
#include <string_view>
#include <vector>

#include "auth/VerificationKey.h"

namespace wshub::auth {

// Throws std::runtime_error starting with `origin` (the file name); also when no key is
// usable for verification.
std::vector<VerificationKey> read_json_web_key_set(std::string_view json, const std::string& origin);

}  // namespace wshub::auth
