#include "server/AdminLogin.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace wshub::server {

namespace {

std::array<unsigned char, 32> sha256(std::string_view text) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), out.data(), &size, EVP_sha256(), nullptr);
  return out;
}

}  // namespace

AdminLogin::AdminLogin(std::string_view secret, double attempts_per_second, double burst)
    : digest_(sha256(secret)), configured_(!secret.empty()), rate_(attempts_per_second, burst) {
  bucket_.fill(std::chrono::steady_clock::now() - std::chrono::hours(1));
}

AdminLogin::Outcome AdminLogin::attempt(std::string_view given, std::chrono::steady_clock::time_point now) {
  {
    std::lock_guard lock(mutex_);
    if (!bucket_.try_take(rate_, now)) return Outcome::rate_limited;
  }
  if (!configured_ || given.empty()) return Outcome::refused;
  std::array<unsigned char, 32> guess = sha256(given);
  return CRYPTO_memcmp(guess.data(), digest_.data(), digest_.size()) == 0 ? Outcome::accepted
                                                                          : Outcome::refused;
}

}  // namespace wshub::server
