// Unmasking runs over every byte a client sends, so it is written for width, and most
// messages are small, so the small case must be cheap too.
//
// Because 8, 16 and 32 are multiples of 4, a key pattern repeated to fill a register lines
// up with every register-sized block that starts a multiple of 4 bytes after data[0]: the
// loops never rotate the key, and the final partial word uses the same pattern. Loads are
// unaligned (free on every x86-64 we target), so there is no byte-by-byte head: a 16-byte
// message is two 8-byte XORs, not sixteen single-byte ones (callgrind: 153 -> ~20
// instructions per 16-byte echo).
//
// AVX2 is not in the x86-64 baseline, so it lives in a function compiled with a target
// attribute and is only called after a runtime CPU check; the build stays portable.
#include "ws/Unmask.h"

#include <bit>
#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wshub::ws {

namespace {

static_assert(std::endian::native == std::endian::little, "the key rotation assumes little-endian words");

// The key rotated to start at `phase` and repeated to 8 bytes, in memory order.
uint64_t repeated_key(std::array<std::byte, 4> key, size_t phase) {
  uint32_t k;
  std::memcpy(&k, key.data(), sizeof k);
  const unsigned shift = static_cast<unsigned>(phase & 3) * 8;
  if (shift != 0) k = (k >> shift) | (k << (32 - shift));
  return uint64_t{k} | (uint64_t{k} << 32);
}

#if defined(__x86_64__)
bool cpu_has_avx2() {
  __builtin_cpu_init();  // required when called from a static initializer
  return __builtin_cpu_supports("avx2");
}
const bool kHasAvx2 = cpu_has_avx2();

// Processes whole 32-byte blocks; returns how many bytes it did.
__attribute__((target("avx2"))) size_t unmask_avx2(std::byte* data, size_t len, uint64_t word) {
  const __m256i mask = _mm256_set1_epi64x(static_cast<long long>(word));
  size_t i = 0;
  for (; i + 32 <= len; i += 32) {
    auto* p = reinterpret_cast<__m256i*>(data + i);
    _mm256_storeu_si256(p, _mm256_xor_si256(_mm256_loadu_si256(p), mask));
  }
  return i;
}
#endif

}  // namespace

void unmask(std::byte* data, size_t len, std::array<std::byte, 4> key, size_t phase) {
  const uint64_t word = repeated_key(key, phase);
  size_t i = 0;
#if defined(__x86_64__)
  if (len >= 64) {
    if (len >= 128 && kHasAvx2) i = unmask_avx2(data, len, word);
    const __m128i mask = _mm_set1_epi64x(static_cast<long long>(word));
    for (; i + 16 <= len; i += 16) {
      auto* p = reinterpret_cast<__m128i*>(data + i);
      _mm_storeu_si128(p, _mm_xor_si128(_mm_loadu_si128(p), mask));
    }
  }
#endif
  for (; i + 8 <= len; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= word;
    std::memcpy(data + i, &chunk, 8);
  }
  if (i < len) {  // the last 1-7 bytes: same key pattern, since i is a multiple of 8
    uint64_t chunk = 0;
    std::memcpy(&chunk, data + i, len - i);
    chunk ^= word;
    std::memcpy(data + i, &chunk, len - i);
  }
}

}  // namespace wshub::ws
