#pragma once
// Shared helpers for the permessage-deflate unit tests.
#include <cstddef>
#include <random>
#include <span>
#include <string>
#include <string_view>

namespace wshub::ws::test {

inline std::span<const std::byte> bytes(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

inline std::string random_bytes(size_t n, unsigned seed = 1) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

// Text-like data that compresses well but not trivially.
inline std::string compressible(size_t n, unsigned seed = 2) {
  static constexpr std::string_view kWords[] = {
      "hello ", "world ", "channel ", "publish ", "{\"data\":", "42,", "}\n", "presence ", "user-", "wshub "};
  std::mt19937 rng(seed);
  std::string s;
  s.reserve(n + 16);
  while (s.size() < n) s += kWords[rng() % std::size(kWords)];
  s.resize(n);
  return s;
}

}  // namespace wshub::ws::test
