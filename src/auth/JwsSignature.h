#pragma once
// Checking a JWS signature (RFC 7515 §5.2 step 8) with OpenSSL: the signature over the
// ASCII bytes "base64url(header).base64url(payload)" as they appear in the token.
//   HS*   HMAC, compared in constant time (CRYPTO_memcmp) so timing reveals nothing of
//         the expected MAC;
//   RS*   RSASSA-PKCS1-v1_5;
//   ES*   ECDSA; JWS carries R || S as fixed-size big-endian integers (RFC 7518 §3.4),
//         OpenSSL wants a DER ECDSA-Sig-Value, so the raw form is re-encoded. A DER
//         signature in a token has the wrong length and is refused;
//   EdDSA Ed25519 (RFC 8037).
// Thread-safe: keys are only read; every call makes its own OpenSSL contexts.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "auth/VerificationKey.h"

namespace wshub::auth {

// True when `signature` is a valid `alg` signature of `signing_input` under `key`.
// Precondition: key.fits(alg). Never throws; any OpenSSL failure is a refusal.
bool verify_jws_signature(Algorithm alg, const VerificationKey& key, std::string_view signing_input,
                          std::span<const uint8_t> signature);

// DER encoding of an ECDSA signature given as R || S (two equal halves of at most 66
// bytes). Returns the DER length, or 0 when `raw` is empty, odd-sized or too long.
inline constexpr size_t kMaxEcdsaDerSize = 2 + 2 * (2 + 1 + 66) + 1;
size_t ecdsa_raw_to_der(std::span<const uint8_t> raw, std::span<uint8_t, kMaxEcdsaDerSize> der);

}  // namespace wshub::auth
