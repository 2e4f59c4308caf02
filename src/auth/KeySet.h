#pragma once
// The verification keys of a server, from configuration, and the rule that picks the keys
// a token may be checked with.
//
// Sources (each may be combined with the others):
//   hmac_secret       the secret's bytes as given (not base64); no kid
//   public_key_file   "path" (a key with no kid) or "kid=path" (everything before the first
//                     '=' is the kid; write "=path" for a path that contains '=')
//   jwks_file         a JSON Web Key Set; kids come from the file
//
// Choosing keys for a token signed with `alg` (the header's) and naming `kid`:
//   - only keys of alg's type are ever candidates (HS* -> HMAC secrets; RS* -> RSA;
//     ES256 -> P-256; ES384 -> P-384; EdDSA -> Ed25519), and a key with a JWKS "alg"
//     only for that algorithm;
//   - a token with a kid: the keys with that kid; if no key has it, the keys without a
//     kid (a key configured without a kid accepts any); if neither, the token is refused
//     (unknown kid);
//   - a token without a kid: every key of the type, in configuration order.
// The kid only selects; it never makes a signature acceptable by itself. Trying several
// keys costs one verification each, so deployments with many keys should use kids.
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/VerificationKey.h"

namespace wshub::auth {

class KeySet {
 public:
  // All throw std::runtime_error naming the file or setting.
  void add_hmac_secret(std::string secret);
  void add_public_key_file(std::string_view spec);  // "path" or "kid=path"
  void add_jwks_file(const std::string& path);
  void add(VerificationKey key);

  bool empty() const { return keys_.empty(); }
  std::span<const VerificationKey> keys() const { return keys_; }

  // What for_each_candidate found: `tried` when at least one key was offered to the
  // callback (whether it accepted is the callback's business).
  enum class Lookup : uint8_t { tried, unknown_kid, no_key_for_algorithm };

  // Offers each candidate to `try_key(const VerificationKey&) -> bool`, in configuration
  // order, until it returns true.
  template <typename TryKey>
  Lookup for_each_candidate(Algorithm alg, std::string_view kid, TryKey&& try_key) const;

 private:
  std::vector<VerificationKey> keys_;
  bool any_kid_ = false;
};

template <typename TryKey>
KeySet::Lookup KeySet::for_each_candidate(Algorithm alg, std::string_view kid, TryKey&& try_key) const {
  bool kid_known = false, tried = false;
  if (!kid.empty() && any_kid_) {
    for (const VerificationKey& key : keys_) {
      if (key.kid != kid) continue;
      kid_known = true;
      if (!key.fits(alg)) continue;
      tried = true;
      if (try_key(key)) return Lookup::tried;
    }
    // A kid that names keys selects only those, even when none fits the algorithm.
    if (kid_known) return tried ? Lookup::tried : Lookup::no_key_for_algorithm;
  }
  for (const VerificationKey& key : keys_) {
    if (!key.fits(alg) || (!kid.empty() && !key.kid.empty())) continue;
    tried = true;
    if (try_key(key)) return Lookup::tried;
  }
  if (tried) return Lookup::tried;
  return kid.empty() ? Lookup::no_key_for_algorithm : Lookup::unknown_kid;
}

}  // namespace wshub::auth
