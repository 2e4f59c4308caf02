#include "broker/EpochSource.h"

#include <chrono>
#include <random>

namespace wshub::broker {

namespace {

// splitmix64's output function: a bijection on 64 bits with good avalanche, so consecutive
// counters give unrelated-looking epochs.
uint64_t mix(uint64_t x) {
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

std::string EpochSource::next() {
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  const uint64_t n = counter_.fetch_add(1, std::memory_order_relaxed);
  uint64_t x = mix(seed_ + n * 0x9e3779b97f4a7c15ULL);
  std::string epoch(kLength, '0');
  for (char& c : epoch) {
    c = kDigits[x % 36];
    x /= 36;
  }
  return epoch;
}

uint64_t EpochSource::random_seed() {
  std::random_device device;
  const uint64_t high = device();
  const uint64_t low = device();
  // The clock guards against a random_device that is deterministic on some platform.
  const auto ticks = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  return mix((high << 32 | low) ^ mix(ticks));
}

}  // namespace wshub::broker
