#include "api/ApiKey.h"

#include <openssl/crypto.h>

#include "http/Ascii.h"

namespace wshub::api {

namespace {
constexpr std::string_view kScheme = "apikey";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}
}  // namespace

bool api_key_matches(std::string_view authorization, std::string_view key) {
  if (key.empty()) return false;
  authorization = trim(authorization);
  if (authorization.size() <= kScheme.size() + 1) return false;
  if (!http::iequals(authorization.substr(0, kScheme.size()), kScheme)) return false;
  char separator = authorization[kScheme.size()];
  if (separator != ' ' && separator != '\t') return false;
  std::string_view given = trim(authorization.substr(kScheme.size() + 1));
  // The length is not secret (keys are long and random); the bytes are.
  if (given.size() != key.size()) return false;
  return CRYPTO_memcmp(given.data(), key.data(), key.size()) == 0;
}

}  // namespace wshub::api
