#include "ws/Unmask.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace wshub::ws {
namespace {

void reference(std::byte* data, size_t len, std::array<std::byte, 4> key, size_t phase) {
  for (size_t i = 0; i < len; ++i) data[i] ^= key[(phase + i) % 4];
}

// Every length 0..300 at every phase and every alignment mod 32 (covers the scalar head,
// the SSE2 and AVX2 loops and the word and byte tails), against the byte-wise definition.
TEST(Unmask, MatchesReferenceForAllLengthsPhasesAndAlignments) {
  std::mt19937 rng(7);
  const std::array<std::byte, 4> key{std::byte{0x12}, std::byte{0x9a}, std::byte{0xc3}, std::byte{0x7f}};
  std::vector<std::byte> original(300 + 64), actual, expected;
  for (auto& b : original) b = static_cast<std::byte>(rng());
  for (size_t len = 0; len <= 300; ++len) {
    for (size_t phase = 0; phase < 8; ++phase) {
      for (size_t align = 0; align < 32; ++align) {
        actual = original;
        expected = original;
        unmask(actual.data() + align, len, key, phase);
        reference(expected.data() + align, len, key, phase);
        ASSERT_EQ(actual, expected) << "len " << len << " phase " << phase << " align " << align;
      }
    }
  }
}

TEST(Unmask, ChunkedWithPhaseEqualsWhole) {
  std::mt19937 rng(9);
  const std::array<std::byte, 4> key{std::byte{1}, std::byte{2}, std::byte{3}, std::byte{4}};
  std::vector<std::byte> whole(5000);
  for (auto& b : whole) b = static_cast<std::byte>(rng());
  auto chunked = whole;
  unmask(whole.data(), whole.size(), key, 0);
  for (size_t pos = 0; pos < chunked.size();) {
    const size_t n = std::min<size_t>(rng() % 700, chunked.size() - pos);
    unmask(chunked.data() + pos, n, key, pos);
    pos += n;
  }
  EXPECT_EQ(whole, chunked);
}

TEST(Unmask, IsAnInvolution) {
  std::vector<std::byte> data(1000, std::byte{0x5a});
  const auto original = data;
  const std::array<std::byte, 4> key{std::byte{0xde}, std::byte{0xad}, std::byte{0xbe}, std::byte{0xef}};
  unmask(data.data(), data.size(), key, 3);
  EXPECT_NE(data, original);
  unmask(data.data(), data.size(), key, 3);
  EXPECT_EQ(data, original);
}

}  // namespace
}  // namespace wshub::ws
