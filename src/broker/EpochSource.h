#pragma once
// Epochs name one continuous history of a channel (hub/Publication.h, StreamPosition). A new
// epoch must differ from every epoch a client may still hold for that channel, including the
// epochs of a previous run of the process: an in-memory broker loses its history on restart,
// and a client recovering with an old epoch must be told so, never handed the new stream's
// offsets as if they continued the old one.
//
// So an epoch is 8 characters of [0-9a-z] (about 41 bits) drawn from a per-instance random
// seed (std::random_device mixed with the clock) and a counter, through the splitmix64
// finaliser. Two epochs of one instance differ unless their 41-bit truncations collide
// (2^-41 per pair); epochs of different runs differ with the same odds. Short on purpose: the
// epoch travels in every subscribe reply and recovery request.
#include <atomic>
#include <cstdint>
#include <string>

namespace wshub::broker {

class EpochSource {
 public:
  static constexpr size_t kLength = 8;

  EpochSource() : EpochSource(random_seed()) {}
  explicit EpochSource(uint64_t seed) : seed_(seed) {}

  // Thread-safe (one relaxed atomic increment).
  std::string next();

  static uint64_t random_seed();

 private:
  const uint64_t seed_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace wshub::broker
