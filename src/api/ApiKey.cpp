#include "api/ApiKey.h"

#include <openssl/crypto.h>

#include "http/Ascii.h"
#include "http/Authorization.h"

namespace wshub::api {

namespace {
constexpr std::string_view kScheme = "apikey";
}  // namespace

bool api_key_matches(std::string_view authorization, std::string_view key) {
  if (key.empty()) return false;
  http::AuthorizationValue value = http::split_authorization(authorization);
  if (!http::iequals(value.scheme, kScheme)) return false;
  std::string_view given = value.credentials;
  // The length is not secret (keys are long and random); the bytes are.
  if (given.size() != key.size()) return false;
  return CRYPTO_memcmp(given.data(), key.data(), key.size()) == 0;
}

}  // namespace wshub::api
