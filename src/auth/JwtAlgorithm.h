#pragma once
// The JWS algorithms wshub verifies (RFC 7518 §3, RFC 8037 for EdDSA) and the one key
// type each may use. Binding an algorithm to a key type is what stops algorithm
// confusion: an HS256 token is only ever checked against an HMAC secret, never against the
// bytes of an RSA public key, and an ES256 token only against a P-256 key.
// "none" is not an algorithm here: parse_algorithm refuses it like any unknown name.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace wshub::auth {

enum class Algorithm : uint8_t { HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, EdDSA };

enum class KeyType : uint8_t { hmac, rsa, ec_p256, ec_p384, ed25519 };

// Exact, case-sensitive names of RFC 7518 (`"hs256"` is not HS256). nullopt for "none" and
// for anything unsupported (PS256, ES512, ...).
std::optional<Algorithm> parse_algorithm(std::string_view name);
std::string_view algorithm_name(Algorithm alg);
KeyType key_type_for(Algorithm alg);
std::string_view key_type_name(KeyType type);

// OpenSSL digest name ("SHA256"...), or nullptr for EdDSA (Ed25519 hashes internally).
const char* digest_name(Algorithm alg);

// The exact signature length, or 0 when it depends on the key (RSA: the modulus size).
size_t signature_size(Algorithm alg);

}  // namespace wshub::auth
