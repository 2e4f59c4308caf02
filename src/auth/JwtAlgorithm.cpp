#include "auth/JwtAlgorithm.h"

#include <array>

namespace wshub::auth {
namespace {

struct AlgorithmInfo {
  Algorithm alg;
  std::string_view name;
  KeyType key_type;
  const char* digest;
  size_t signature_size;
};

// ES signatures are R || S, each the curve's order size (RFC 7518 §3.4); HMAC ones the
// digest size; Ed25519's 64 bytes (RFC 8032 §5.1.6).
constexpr std::array<AlgorithmInfo, 9> kAlgorithms = {{
    {Algorithm::HS256, "HS256", KeyType::hmac, "SHA256", 32},
    {Algorithm::HS384, "HS384", KeyType::hmac, "SHA384", 48},
    {Algorithm::HS512, "HS512", KeyType::hmac, "SHA512", 64},
    {Algorithm::RS256, "RS256", KeyType::rsa, "SHA256", 0},
    {Algorithm::RS384, "RS384", KeyType::rsa, "SHA384", 0},
    {Algorithm::RS512, "RS512", KeyType::rsa, "SHA512", 0},
    {Algorithm::ES256, "ES256", KeyType::ec_p256, "SHA256", 64},
    {Algorithm::ES384, "ES384", KeyType::ec_p384, "SHA384", 96},
    {Algorithm::EdDSA, "EdDSA", KeyType::ed25519, nullptr, 64},
}};

const AlgorithmInfo& info(Algorithm alg) {
  return kAlgorithms[static_cast<size_t>(alg)];
}

}  // namespace

std::optional<Algorithm> parse_algorithm(std::string_view name) {
  for (const AlgorithmInfo& a : kAlgorithms) {
    if (a.name == name) return a.alg;
  }
  return std::nullopt;
}

std::string_view algorithm_name(Algorithm alg) {
  return info(alg).name;
}
KeyType key_type_for(Algorithm alg) {
  return info(alg).key_type;
}
const char* digest_name(Algorithm alg) {
  return info(alg).digest;
}
size_t signature_size(Algorithm alg) {
  return info(alg).signature_size;
}

std::string_view key_type_name(KeyType type) {
  switch (type) {
    case KeyType::hmac:
      return "HMAC secret";
    case KeyType::rsa:
      return "RSA";
    case KeyType::ec_p256:
      return "EC P-256";
    case KeyType::ec_p384:
      return "EC P-384";
    case KeyType::ed25519:
      return "Ed25519";
  }
  return "?";
}

}  // namespace wshub::auth
