#pragma once
// Who may use the admin dashboard: the one who knows admin.password, or, without one,
// the api.key. Attempts are limited node-wide (a token bucket under a mutex: logins are
// rare, and one guesser on many connections is still one guesser), so the secret cannot
// be brute-forced through /admin/live. The secret is never logged.
#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "net/TokenBucket.h"

namespace wshub::server {

class AdminLogin {
 public:
  enum class Outcome { accepted, refused, rate_limited };

  // `secret` empty refuses every attempt.
  explicit AdminLogin(std::string_view secret, double attempts_per_second = 1, double burst = 10);

  // Any thread. The comparison is of SHA-256 digests in constant time, so neither the
  // timing nor the length of a guess tells how close it was.
  Outcome attempt(std::string_view given, std::chrono::steady_clock::time_point now);

 private:
  std::array<unsigned char, 32> digest_{};
  bool configured_;
  std::mutex mutex_;
  net::TokenRate rate_;
  net::TokenBucket bucket_;
};

}  // namespace wshub::server
