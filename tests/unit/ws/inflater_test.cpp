#include "ws/Inflater.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <chrono>

#include "deflate_test_support.h"
#include "ws/Deflater.h"

namespace wshub::ws {
namespace {

using test::bytes;
using test::compressible;
using test::random_bytes;

constexpr size_t kMiB = size_t{1} << 20;

std::string compress(Deflater& d, std::string_view msg) {
  std::string z;
  EXPECT_TRUE(d.deflate(bytes(msg), z));
  return z;
}

// Raw deflate of `msg` ending in a BFINAL=1 block (RFC 7692 §7.2.3.3), as a sender that
// uses Z_FINISH instead of Z_SYNC_FLUSH produces. `history` is an optional preset
// dictionary (a sender that keeps its context across the restart).
std::string compress_final(std::string_view msg, std::string_view history = {}) {
  z_stream s{};
  EXPECT_EQ(deflateInit2(&s, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), Z_OK);
  if (!history.empty()) {
    deflateSetDictionary(&s, reinterpret_cast<const Bytef*>(history.data()), history.size());
  }
  std::string z(deflateBound(&s, msg.size()) + 16, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(msg.data()));
  s.avail_in = msg.size();
  s.next_out = reinterpret_cast<Bytef*>(z.data());
  s.avail_out = z.size();
  EXPECT_EQ(deflate(&s, Z_FINISH), Z_STREAM_END);
  z.resize(z.size() - s.avail_out);
  deflateEnd(&s);
  return z;
}

InflateResult inflate_whole(Inflater& i, std::string_view z, std::string& out, size_t limit = 64 * kMiB) {
  return i.inflate(bytes(z), true, out, limit);
}

TEST(Inflater, RoundTripsSmallAndLargeMessages) {
  const std::string messages[] = {"", "x", compressible(1000), random_bytes(16 * kMiB),
                                  compressible(16 * kMiB)};
  for (bool takeover : {true, false}) {
    Deflater d(15, !takeover);
    Inflater i(15, !takeover);
    for (const auto& msg : messages) {
      std::string out;
      ASSERT_EQ(inflate_whole(i, compress(d, msg), out), InflateResult::ok) << msg.size();
      EXPECT_TRUE(out == msg) << msg.size();
    }
  }
}

// The examples of RFC 7692 §7.2.3, each a payload that must decode to "Hello".
TEST(Inflater, Rfc7692Examples) {
  const std::string_view hello_fixed("\xf2\x48\xcd\xc9\xc9\x07\x00", 7);
  const std::string_view hello_again("\xf2\x00\x11\x00\x00", 5);  // refers to the previous one
  const std::string_view hello_stored("\x00\x05\x00\xfa\xff\x48\x65\x6c\x6c\x6f\x00", 11);
  const std::string_view hello_final("\xf3\x48\xcd\xc9\xc9\x07\x00\x00", 8);  // BFINAL, then 0x00
  const std::string_view hello_two_blocks("\xf2\x48\x05\x00\x00\x00\xff\xff\xca\xc9\xc9\x07\x00", 13);
  for (auto payload : {hello_fixed, hello_stored, hello_final, hello_two_blocks}) {
    Inflater i(15, false);
    std::string out;
    EXPECT_EQ(inflate_whole(i, payload, out), InflateResult::ok)
        << testing::PrintToString(std::string(payload));
    EXPECT_EQ(out, "Hello");
  }
  Inflater i(15, false);
  std::string out;
  ASSERT_EQ(inflate_whole(i, hello_fixed, out), InflateResult::ok);
  ASSERT_EQ(inflate_whole(i, hello_again, out), InflateResult::ok);
  EXPECT_EQ(out, "HelloHello");
  // and after a BFINAL message the history is still there for the next one
  Inflater j(15, false);
  out.clear();
  ASSERT_EQ(inflate_whole(j, hello_final, out), InflateResult::ok);
  ASSERT_EQ(inflate_whole(j, hello_again, out), InflateResult::ok);
  EXPECT_EQ(out, "HelloHello");
}

TEST(Inflater, EmptyPayloadIsAnEmptyMessage) {
  Inflater i(15, false);
  std::string out = "keep";
  EXPECT_EQ(i.inflate({}, true, out, 100), InflateResult::ok);
  EXPECT_EQ(out, "keep");
  // and the stream is still usable afterwards
  Deflater d(15, false);
  EXPECT_EQ(inflate_whole(i, compress(d, "after"), out), InflateResult::ok);
  EXPECT_EQ(out, "keepafter");
}

TEST(Inflater, ContextTakeoverAcrossManyMessages) {
  Deflater d(15, false);
  Inflater i(15, false);
  Deflater fresh_each_time(15, true);
  size_t with = 0, without = 0;
  for (int n = 0; n < 500; ++n) {
    const std::string msg = "{\"channel\":\"news\",\"seq\":" + std::to_string(n) + ",\"data\":\"" +
                            compressible(200, n % 7) + "\"}";
    const std::string z = compress(d, msg);
    with += z.size();
    without += compress(fresh_each_time, msg).size();
    std::string out;
    ASSERT_EQ(inflate_whole(i, z, out), InflateResult::ok) << n;
    ASSERT_EQ(out, msg) << n;
  }
  // Later messages refer back to earlier ones, which is the point of context takeover.
  EXPECT_LT(with * 2, without);
}

TEST(Inflater, NoContextTakeoverResetsBetweenMessages) {
  // Output that refers to the previous message must fail once the window is reset.
  Deflater d(15, false);
  const std::string msg = compressible(2000);
  const std::string first = compress(d, msg);
  const std::string second = compress(d, msg);  // a back-reference into `first`
  Inflater reset(15, true);
  std::string out;
  ASSERT_EQ(inflate_whole(reset, first, out), InflateResult::ok);
  out.clear();
  EXPECT_NE(inflate_whole(reset, second, out) == InflateResult::ok && out == msg, true);
}

TEST(Inflater, EveryWindowSize) {
  for (int w = 9; w <= 15; ++w) {
    for (int n = w; n <= 15; ++n) {
      for (bool takeover : {true, false}) {
        Deflater d(w, !takeover);
        Inflater i(n, !takeover);
        for (int k = 0; k < 4; ++k) {
          // Repeats at distances beyond small windows exercise the window size.
          const std::string msg = compressible(40000, k) + compressible(40000, k);
          std::string out;
          ASSERT_EQ(inflate_whole(i, compress(d, msg), out), InflateResult::ok) << w << " " << n;
          ASSERT_EQ(out, msg) << w << " " << n;
        }
      }
    }
  }
}

TEST(Inflater, WindowBits8IsInflatedWithNineBits) {
  // Peers that negotiated 8 and use zlib < 1.2.9 compress with a 512-byte window.
  Deflater d(9, false);
  Inflater i(8, false);
  for (int k = 0; k < 3; ++k) {
    const std::string msg = compressible(5000, k);
    std::string out;
    ASSERT_EQ(inflate_whole(i, compress(d, msg), out), InflateResult::ok);
    EXPECT_EQ(out, msg);
  }
}

TEST(Inflater, InputSplitAtEveryOffset) {
  Deflater d(15, false);
  const std::string warmup = compressible(300, 5);
  const std::string msg = compressible(300, 5) + "tail that differs" + random_bytes(40);
  const std::string z0 = compress(d, warmup);
  const std::string z = compress(d, msg);
  for (size_t cut = 0; cut <= z.size(); ++cut) {
    Inflater i(15, false);
    std::string out;
    ASSERT_EQ(inflate_whole(i, z0, out), InflateResult::ok);
    out.clear();
    ASSERT_EQ(i.inflate(bytes(z).first(cut), false, out, kMiB), InflateResult::ok) << cut;
    ASSERT_EQ(i.inflate(bytes(z).subspan(cut), true, out, kMiB), InflateResult::ok) << cut;
    ASSERT_EQ(out, msg) << cut;
  }
  // and one byte at a time, with an empty final piece
  Inflater i(15, false);
  std::string out;
  ASSERT_EQ(inflate_whole(i, z0, out), InflateResult::ok);
  out.clear();
  for (size_t k = 0; k < z.size(); ++k) {
    ASSERT_EQ(i.inflate(bytes(z).subspan(k, 1), false, out, kMiB), InflateResult::ok);
  }
  ASSERT_EQ(i.inflate({}, true, out, kMiB), InflateResult::ok);
  EXPECT_EQ(out, msg);
}

TEST(Inflater, CorruptInput) {
  const std::string cases[] = {
      std::string("\xff\xff\xff\xff", 4),      // BTYPE 11 is reserved
      std::string("\x01\x05\x00\x00\x00", 5),  // stored block: NLEN is not ~LEN
      std::string("\x04\x00", 2),              // dynamic block header cut short
      std::string("\x00\x00\xff\xff", 4),      // tail not stripped: leaves half a block
  };
  for (const auto& c : cases) {
    Inflater i(15, false);
    std::string out;
    EXPECT_EQ(inflate_whole(i, c, out), InflateResult::corrupt) << testing::PrintToString(c);
  }
}

TEST(Inflater, TruncatedMessageIsCorrupt) {
  Deflater d(15, true);
  const std::string z = compress(d, compressible(5000));
  for (size_t drop = 1; drop < 8; ++drop) {
    Inflater i(15, true);
    std::string out;
    // The 0xff octets of the tail often decode as an end of block of the cut Huffman block;
    // only the end of an empty stored block is accepted.
    EXPECT_EQ(inflate_whole(i, z.substr(0, z.size() - drop), out), InflateResult::corrupt) << drop;
  }
}

TEST(Inflater, HistoryBeyondTheNegotiatedWindowDecodesTheSameWhateverTheSplit) {
  // zlib resolves back-references into the current call's output without checking the
  // declared window, so a too-small window made the outcome depend on how the message was
  // split. Inflating with the full 32 KiB window makes it depend on the bytes only: a
  // sender that used more history than it negotiated is decoded, split or whole.
  Deflater d(15, false);
  const std::string msg = random_bytes(4000);
  const std::string first = compress(d, msg), second = compress(d, msg);
  Inflater whole(9, false);
  Inflater split(9, false);
  std::string out_whole, out_split;
  ASSERT_EQ(inflate_whole(whole, first, out_whole), InflateResult::ok);
  ASSERT_EQ(inflate_whole(split, first, out_split), InflateResult::ok);
  out_whole.clear();
  out_split.clear();
  EXPECT_EQ(inflate_whole(whole, second, out_whole), InflateResult::ok);
  InflateResult r = InflateResult::ok;
  for (size_t i = 0; i < second.size() && r == InflateResult::ok; ++i) {
    r = split.inflate(std::as_bytes(std::span(second.data() + i, 1)), i + 1 == second.size(), out_split, 1 << 20);
  }
  EXPECT_EQ(r, InflateResult::ok);
  EXPECT_EQ(out_whole, msg);
  EXPECT_EQ(out_split, msg);
}

TEST(Inflater, DeflateBombStopsAtTheLimit) {
  // 64 MiB of zeros compress to ~64 KiB; inflating must stop at 1 MiB, quickly.
  Deflater d(15, true, 9);
  const std::string bomb = compress(d, std::string(64 * kMiB, '\0'));
  ASSERT_LT(bomb.size(), 128 * 1024u);
  for (bool takeover : {true, false}) {
    Inflater i(15, !takeover);
    std::string out;
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(inflate_whole(i, bomb, out, kMiB), InflateResult::too_big);
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_LE(out.size(), kMiB);
    EXPECT_LE(out.capacity(), 2 * kMiB);
    EXPECT_LT(elapsed, std::chrono::milliseconds(500));
    // The inflater starts clean afterwards.
    Deflater fresh(15, true);
    out.clear();
    EXPECT_EQ(inflate_whole(i, compress(fresh, "ok"), out), InflateResult::ok);
    EXPECT_EQ(out, "ok");
  }
}

TEST(Inflater, BombFedInPiecesStopsAtTheLimit) {
  Deflater d(15, true, 9);
  const std::string bomb = compress(d, std::string(16 * kMiB, 'a'));
  Inflater i(15, true);
  std::string out;
  InflateResult r = InflateResult::ok;
  for (size_t k = 0; k < bomb.size() && r == InflateResult::ok; k += 100) {
    r = i.inflate(bytes(bomb).subspan(k, std::min<size_t>(100, bomb.size() - k)), false, out, kMiB);
    EXPECT_LE(out.size(), kMiB);
  }
  EXPECT_EQ(r, InflateResult::too_big);
}

TEST(Inflater, ExactLimitBoundary) {
  for (size_t limit : {size_t{0}, size_t{1}, size_t{100}, size_t{64 * 1024}, size_t{64 * 1024 + 1}, kMiB}) {
    for (bool random : {false, true}) {
      const std::string msg = random ? random_bytes(limit) : std::string(limit, 'z');
      Deflater d(15, true);
      const std::string z = compress(d, msg);
      {
        Inflater i(15, true);
        std::string out;
        EXPECT_EQ(inflate_whole(i, z, out, limit), InflateResult::ok) << limit;
        EXPECT_TRUE(out == msg) << limit;
      }
      if (limit > 0) {
        Inflater i(15, true);
        std::string out;
        EXPECT_EQ(inflate_whole(i, z, out, limit - 1), InflateResult::too_big) << limit;
        EXPECT_LE(out.size(), limit - 1);
      }
    }
  }
}

TEST(Inflater, LimitCountsWhatOutAlreadyHolds) {
  Deflater d(15, true);
  const std::string z = compress(d, std::string(100, 'q'));
  Inflater i(15, true);
  std::string out(50, 'p');
  EXPECT_EQ(inflate_whole(i, z, out, 149), InflateResult::too_big);
  EXPECT_LE(out.size(), 149u);
  out.assign(50, 'p');
  EXPECT_EQ(inflate_whole(i, z, out, 150), InflateResult::ok);
  EXPECT_EQ(out, std::string(50, 'p') + std::string(100, 'q'));
}

TEST(Inflater, SmallMessagesKeepOutSmall) {
  // `out` grows with the output, not in 64 KiB steps: a per-connection buffer stays small.
  Deflater d(15, false);
  Inflater i(15, false);
  std::string out;
  ASSERT_EQ(inflate_whole(i, compress(d, "hello"), out), InflateResult::ok);
  EXPECT_LT(out.capacity(), 4096u);
}

TEST(Inflater, SteadyStateReusesBuffers) {
  // With `out` and the compressed buffer cleared and reused, a stream of similar messages
  // reallocates neither (zlib allocates its state up front and its window once).
  Deflater d(15, false);
  Inflater i(15, false);
  std::string z, out;
  size_t z_capacity = 0, out_capacity = 0;
  for (int n = 0; n < 100; ++n) {
    const std::string msg = compressible(2000, n % 3);
    z.clear();
    out.clear();
    ASSERT_TRUE(d.deflate(bytes(msg), z));
    ASSERT_EQ(inflate_whole(i, z, out), InflateResult::ok);
    ASSERT_EQ(out, msg);
    if (n == 10) {
      z_capacity = z.capacity();
      out_capacity = out.capacity();
    } else if (n > 10) {
      EXPECT_EQ(z.capacity(), z_capacity);
      EXPECT_EQ(out.capacity(), out_capacity);
    }
  }
}

TEST(Inflater, FinalBlockFromASenderThatRestarts) {
  Inflater i(15, false);
  for (int k = 0; k < 3; ++k) {
    const std::string msg = compressible(3000, k);
    std::string out;
    ASSERT_EQ(inflate_whole(i, compress_final(msg), out), InflateResult::ok) << k;
    EXPECT_EQ(out, msg);
  }
}

TEST(Inflater, FinalBlockFromASenderThatKeepsItsHistory) {
  Inflater i(15, false);
  const std::string first = compressible(3000, 1);
  const std::string second = compressible(3000, 1) + "!";  // mostly back-references
  std::string out;
  ASSERT_EQ(inflate_whole(i, compress_final(first), out), InflateResult::ok);
  EXPECT_EQ(out, first);
  out.clear();
  const std::string z = compress_final(second, first);
  ASSERT_EQ(inflate_whole(i, z, out), InflateResult::ok);
  EXPECT_EQ(out, second);
  // then a sync-flushed message continuing from there
  Deflater d(15, false);
  out.clear();
  ASSERT_EQ(inflate_whole(i, compress(d, "plain"), out), InflateResult::ok);
  EXPECT_EQ(out, "plain");
}

TEST(Inflater, BytesAfterTheFinalBlockAreIgnored) {
  Inflater i(15, false);
  const std::string msg = compressible(500);
  std::string out;
  ASSERT_EQ(inflate_whole(i, compress_final(msg) + "trailing junk", out), InflateResult::ok);
  EXPECT_EQ(out, msg);
}

TEST(Inflater, FinalBlockAcrossPieces) {
  const std::string msg = compressible(700);
  const std::string z = compress_final(msg);
  for (size_t cut = 0; cut <= z.size(); ++cut) {
    Inflater i(15, false);
    std::string out;
    ASSERT_EQ(i.inflate(bytes(z).first(cut), false, out, kMiB), InflateResult::ok);
    ASSERT_EQ(i.inflate(bytes(z).subspan(cut), true, out, kMiB), InflateResult::ok);
    ASSERT_EQ(out, msg);
  }
}

}  // namespace
}  // namespace wshub::ws
