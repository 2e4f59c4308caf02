// Unmasking runs over every byte a client sends, so it is written for width.
//
// Because 8, 16 and 32 are multiples of 4, a key pattern repeated to fill a register lines
// up with every register-sized block that starts a multiple of 4 bytes after data[0]: the
// wide loops never rotate the key. The head is done byte by byte until the pointer is
// 16-byte aligned (so SSE2 uses aligned loads and stores); the phase is advanced by the
// head length once, and the tail continues with the same rotated key.
//
// AVX2 is not in the x86-64 baseline, so it lives in a function compiled with a target
// attribute and is only called after a runtime CPU check; the build stays portable.
#include "ws/Unmask.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace wshub::ws {

namespace {

// The key rotated to start at `phase` and repeated to 8 bytes, in memory order.
uint64_t repeated_key(std::array<std::byte, 4> key, size_t phase) {
  unsigned char bytes[8];
  for (size_t i = 0; i < 8; ++i) bytes[i] = static_cast<unsigned char>(key[(phase + i) & 3]);
  uint64_t word;
  std::memcpy(&word, bytes, sizeof word);
  return word;
}

void unmask_bytes(std::byte* data, size_t len, std::array<std::byte, 4> key, size_t phase) {
  for (size_t i = 0; i < len; ++i) data[i] ^= key[(phase + i) & 3];
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
  if (len < 16) {
    unmask_bytes(data, len, key, phase);
    return;
  }
  const size_t head = (0 - reinterpret_cast<uintptr_t>(data)) & 15;
  unmask_bytes(data, head, key, phase);
  data += head;
  len -= head;
  phase += head;
  const uint64_t word = repeated_key(key, phase);
  size_t i = 0;
#if defined(__x86_64__)
  if (len >= 128 && kHasAvx2) i = unmask_avx2(data, len, word);
  const __m128i mask = _mm_set1_epi64x(static_cast<long long>(word));
  for (; i + 16 <= len; i += 16) {
    auto* p = reinterpret_cast<__m128i*>(data + i);
    _mm_store_si128(p, _mm_xor_si128(_mm_load_si128(p), mask));
  }
#endif
  for (; i + 8 <= len; i += 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data + i, 8);
    chunk ^= word;
    std::memcpy(data + i, &chunk, 8);
  }
  unmask_bytes(data + i, len - i, key, phase + i);
}

}  // namespace wshub::ws
