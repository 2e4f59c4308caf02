#pragma once
// One key that can verify token signatures: an HMAC secret or a public key (RSA, EC
// P-256/P-384, Ed25519) held as an OpenSSL EVP_PKEY. Keys are built once at start-up and
// then only read, from any number of threads at once (OpenSSL allows concurrent use of a
// const EVP_PKEY; each verification makes its own contexts).
#include <openssl/types.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/JwtAlgorithm.h"

namespace wshub::auth {

struct PkeyDeleter {
  void operator()(EVP_PKEY* pkey) const;
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

// The shortest accepted keys. RFC 7518 §3.2: an HMAC key at least as long as the hash
// (256 bits for HS256; we ask that of every HMAC key); §3.3: RSA keys of 2048 bits or more.
inline constexpr size_t kMinHmacSecretBytes = 32;
inline constexpr int kMinRsaBits = 2048;

struct VerificationKey {
  std::string kid;               // empty: no kid (see KeySet for how kids select keys)
  KeyType type = KeyType::hmac;  //
  std::optional<Algorithm> alg;  // JWKS "alg": the only algorithm this key may verify
  std::string secret;            // HMAC keys: the secret bytes
  PkeyPtr pkey;                  // other keys: the public key
  std::string origin;            // for messages: "keys/a.pem", "jwks.json: key 2"
  uint64_t id = 0;               // set by make_*: unique, never reused; names the key in per-thread
                                 // caches (0: a hand-built key, never cached)

  // Whether a token signed with `a` may be checked with this key.
  bool fits(Algorithm a) const { return key_type_for(a) == type && (!alg || *alg == a); }
};

// The key type of a public key, or nullopt for anything wshub does not verify with
// (DSA, RSA-PSS-only keys, other curves, X25519, ...).
std::optional<KeyType> public_key_type(const EVP_PKEY* pkey);

// A key built from a public key: checks the type and size (RSA >= 2048 bits) and runs
// OpenSSL's public key check (the EC point is on the curve, the RSA modulus is sane).
// Throws std::runtime_error starting with `origin`.
VerificationKey make_public_key(PkeyPtr pkey, std::string kid, std::string origin);

// Throws std::runtime_error starting with `origin` when the secret is shorter than
// kMinHmacSecretBytes.
VerificationKey make_hmac_key(std::string secret, std::string kid, std::string origin);

}  // namespace wshub::auth
