#include "ws/Deflater.h"

#include <gtest/gtest.h>

#include <vector>

#include "deflate_test_support.h"
#include "ws/DeflateNegotiation.h"
#include "ws/Inflater.h"

namespace wshub::ws {
namespace {

using test::bytes;
using test::compressible;
using test::random_bytes;

constexpr size_t kLimit = size_t{32} << 20;

std::string compress(Deflater& d, std::string_view msg) {
  std::string z;
  EXPECT_TRUE(d.deflate(bytes(msg), z));
  return z;
}

std::string decompress(Inflater& i, std::string_view z) {
  std::string out;
  EXPECT_EQ(i.inflate(bytes(z), true, out, kLimit), InflateResult::ok);
  return out;
}

bool ends_with_sync_tail(std::string_view z) {
  return z.size() >= 4 && z.substr(z.size() - 4) == std::string_view("\x00\x00\xff\xff", 4);
}

TEST(Deflater, StripsTheSyncFlushTail) {
  Deflater d(15, false);
  for (const std::string& msg : {std::string("a"), compressible(10000), random_bytes(10000)}) {
    const std::string z = compress(d, msg);
    EXPECT_FALSE(ends_with_sync_tail(z));
    Inflater i(15, true);
    EXPECT_EQ(decompress(i, z), msg);
  }
}

TEST(Deflater, Rfc7692Examples) {
  // RFC 7692 §7.2.3: "Hello", then "Hello" again with context takeover.
  Deflater d(15, false);
  EXPECT_EQ(compress(d, "Hello"), std::string_view("\xf2\x48\xcd\xc9\xc9\x07\x00", 7));
  EXPECT_EQ(compress(d, "Hello"), std::string_view("\xf2\x00\x11\x00\x00", 5));
}

TEST(Deflater, EmptyMessageIsOneZeroOctet) {
  // RFC 7692 §7.2.3.6, also for repeated empty messages, where zlib itself emits nothing.
  Deflater d(15, false);
  Inflater i(15, false);
  for (int k = 0; k < 3; ++k) {
    const std::string z = compress(d, "");
    EXPECT_EQ(z, std::string(1, '\0'));
    EXPECT_EQ(decompress(i, z), "");
  }
  EXPECT_EQ(decompress(i, compress(d, "then data")), "then data");
}

TEST(Deflater, AppendsToOut) {
  Deflater d(15, true);
  std::string out = "prefix";
  ASSERT_TRUE(d.deflate(bytes("hello"), out));
  ASSERT_EQ(out.substr(0, 6), "prefix");
  Inflater i(15, true);
  EXPECT_EQ(decompress(i, std::string_view(out).substr(6)), "hello");
}

TEST(Deflater, NoContextTakeoverMakesEveryMessageIndependent) {
  Deflater d(15, true);
  const std::string msg = compressible(5000);
  const std::string first = compress(d, msg);
  for (int k = 0; k < 3; ++k) {
    EXPECT_EQ(compress(d, msg), first);  // same bytes as a fresh compressor's
  }
}

TEST(Deflater, ContextTakeoverUsesHistory) {
  Deflater d(15, false);
  const std::string msg = random_bytes(5000);
  const std::string first = compress(d, msg);
  const std::string second = compress(d, msg);
  EXPECT_LT(second.size() * 10, first.size());
  Inflater i(15, false);
  EXPECT_EQ(decompress(i, first), msg);
  EXPECT_EQ(decompress(i, second), msg);
}

TEST(Deflater, LevelsAllRoundTrip) {
  const std::string msg = compressible(100000);
  for (int level = 1; level <= 9; ++level) {
    Deflater d(15, false, level);
    Inflater i(15, false);
    EXPECT_EQ(decompress(i, compress(d, msg)), msg) << level;
  }
}

// The fan-out property documented in Deflater.h: one no_context_takeover compression of a
// message is valid for every connection whose negotiated server window is >= its window,
// whatever that connection's own context takeover and history.
TEST(Deflater, SharedFrameDecodesOnEveryConnection) {
  for (int shared_bits = 9; shared_bits <= 15; ++shared_bits) {
    Deflater shared(shared_bits, true);
    const std::string broadcast = compressible(20000, 9) + random_bytes(300);
    const std::string frame = compress(shared, broadcast);
    for (int peer_bits = shared_bits; peer_bits <= 15; ++peer_bits) {
      DeflateParams params;
      params.server_max_window_bits = peer_bits;
      ASSERT_TRUE(accepts_shared_frame(params, shared_bits));
      for (bool takeover : {true, false}) {
        // The peer has already inflated other messages from this connection's own deflater.
        Deflater own(peer_bits, !takeover);
        Inflater peer(peer_bits, !takeover);
        for (int k = 0; k < 3; ++k) {
          const std::string msg = compressible(3000, k);
          ASSERT_EQ(decompress(peer, compress(own, msg)), msg);
        }
        ASSERT_EQ(decompress(peer, frame), broadcast) << shared_bits << " " << peer_bits;
        // The connection's own deflater carries on, after mirroring the peer's window.
        own.append_history(bytes(broadcast));
        const std::string after = broadcast.substr(100, 2000) + compressible(3000, 1);
        ASSERT_EQ(decompress(peer, compress(own, after)), after) << shared_bits << " " << peer_bits;
      }
    }
    DeflateParams smaller;
    smaller.server_max_window_bits = shared_bits - 1;
    EXPECT_FALSE(accepts_shared_frame(smaller, shared_bits));
  }
}

TEST(Deflater, WithoutAppendHistoryASharedFrameDesynchronises) {
  // Why append_history exists: the peer's window now holds the broadcast, ours does not.
  Deflater own(15, false);
  Inflater peer(15, false);
  const std::string msg = random_bytes(4000, 3);
  ASSERT_EQ(decompress(peer, compress(own, msg)), msg);
  Deflater shared(15, true);
  ASSERT_EQ(decompress(peer, compress(shared, "broadcast!")), "broadcast!");
  std::string out;
  const InflateResult r = peer.inflate(bytes(compress(own, msg)), true, out, kLimit);
  EXPECT_FALSE(r == InflateResult::ok && out == msg);
}

TEST(Deflater, AppendHistoryWithAHugeMessage) {
  Deflater own(10, false);
  Inflater peer(10, false);
  const std::string broadcast = random_bytes(100000, 4);
  Deflater shared(10, true);
  ASSERT_EQ(decompress(peer, compress(shared, broadcast)), broadcast);
  own.append_history(bytes(broadcast));
  const std::string next = broadcast.substr(broadcast.size() - 500) + "x";
  const std::string z = compress(own, next);
  EXPECT_LT(z.size(), 100u);  // it did refer to the broadcast
  EXPECT_EQ(decompress(peer, z), next);
}

}  // namespace
}  // namespace wshub::ws
