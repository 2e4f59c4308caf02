#include "auth/VerificationKey.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include <atomic>
#include <cstring>
#include <stdexcept>

namespace wshub::auth {

namespace {

uint64_t next_key_id() {
  static std::atomic<uint64_t> last{0};
  return last.fetch_add(1, std::memory_order_relaxed) + 1;
}

}  // namespace

void PkeyDeleter::operator()(EVP_PKEY* pkey) const {
  EVP_PKEY_free(pkey);
}

std::optional<KeyType> public_key_type(const EVP_PKEY* pkey) {
  // EVP_PKEY_is_a matches the exact type: an RSA-PSS key ("RSA-PSS") is not "RSA", so a
  // key restricted to PSS is never used for PKCS#1 v1.5 (RS256).
  if (EVP_PKEY_is_a(pkey, "RSA")) return KeyType::rsa;
  if (EVP_PKEY_is_a(pkey, "ED25519")) return KeyType::ed25519;
  if (EVP_PKEY_is_a(pkey, "EC")) {
    char group[64] = {};
    size_t length = 0;
    if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &length) != 1) return std::nullopt;
    if (std::strcmp(group, "prime256v1") == 0 || std::strcmp(group, "P-256") == 0) return KeyType::ec_p256;
    if (std::strcmp(group, "secp384r1") == 0 || std::strcmp(group, "P-384") == 0) return KeyType::ec_p384;
  }
  return std::nullopt;
}

VerificationKey make_public_key(PkeyPtr pkey, std::string kid, std::string origin) {
  if (!pkey) throw std::runtime_error(origin + ": no public key");
  std::optional<KeyType> type = public_key_type(pkey.get());
  if (!type) {
    throw std::runtime_error(origin + ": unsupported key type " + EVP_PKEY_get0_type_name(pkey.get()) +
                             " (RSA, EC P-256, EC P-384 and Ed25519 are supported)");
  }
  if (*type == KeyType::rsa && EVP_PKEY_get_bits(pkey.get()) < kMinRsaBits) {
    throw std::runtime_error(origin + ": RSA key of " + std::to_string(EVP_PKEY_get_bits(pkey.get())) +
                             " bits; at least 2048 are required (RFC 7518 section 3.3)");
  }
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> check(
      EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr), &EVP_PKEY_CTX_free);
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    throw std::runtime_error(origin + ": the public key fails OpenSSL's consistency check");
  }
  VerificationKey key;
  key.kid = std::move(kid);
  key.type = *type;
  key.pkey = std::move(pkey);
  key.origin = std::move(origin);
  key.id = next_key_id();
  return key;
}

VerificationKey make_hmac_key(std::string secret, std::string kid, std::string origin) {
  if (secret.size() < kMinHmacSecretBytes) {
    throw std::runtime_error(origin + ": HMAC secret of " + std::to_string(secret.size()) +
                             " bytes; at least 32 are required (RFC 7518 section 3.2)");
  }
  VerificationKey key;
  key.kid = std::move(kid);
  key.type = KeyType::hmac;
  key.secret = std::move(secret);
  key.origin = std::move(origin);
  key.id = next_key_id();
  return key;
}

}  // namespace wshub::auth
