// MessageReader with permessage-deflate (RFC 7692): RSV1 messages inflated through the
// Inflater from ws-deflate; compressed test data made here with zlib directly.
#include <gtest/gtest.h>
#include <zlib.h>

#include <random>

#include "message_reader_test_support.h"
#include "ws/CloseCode.h"
#include "ws/Inflater.h"
#include "ws/MessageReader.h"

namespace wshub::ws {
namespace {

using namespace test;
using V = std::vector<Event>;

// A sender's compressor (§7.2.1): raw deflate, sync flush, 00 00 ff ff stripped. Keeps its
// window across messages (context takeover).
class Compressor {
 public:
  Compressor() { deflateInit2(&z_, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY); }
  ~Compressor() { deflateEnd(&z_); }
  std::string operator()(std::string_view in) {
    std::string out(in.size() + 64, '\0');
    z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
    z_.avail_in = static_cast<uInt>(in.size());
    size_t used = 0;
    do {
      if (out.size() - used < 64) out.resize(out.size() * 2);
      z_.next_out = reinterpret_cast<Bytef*>(out.data() + used);
      z_.avail_out = static_cast<uInt>(out.size() - used);
      deflate(&z_, Z_SYNC_FLUSH);
      used = out.size() - z_.avail_out;
    } while (z_.avail_out == 0);
    out.resize(used);
    EXPECT_EQ(out.substr(out.size() - 4), std::string("\0\0\xff\xff", 4));
    out.resize(out.size() - 4);
    return out;
  }

 private:
  z_stream z_{};
};

std::unique_ptr<Inflater> make_inflater() {
  return std::make_unique<Inflater>(15, false);
}

std::string compressed_frame(Opcode op, std::string_view deflated, bool fin = true) {
  return frame(op, deflated, fin, Role::client, /*rsv1=*/op != Opcode::continuation);
}

TEST(MessageReaderCompressed, SingleFrameMessages) {
  Compressor compress;
  const std::string a = "Hello, permessage-deflate! Hello, permessage-deflate!";
  const std::string b(5000, 'b');
  // The last message refers to the first's window: context takeover works through the reader.
  // (Compressed one by one: the compressor's state depends on the order.)
  const std::string ca = compress(a), cb = compress(b), ca2 = compress(a);
  const std::string wire = compressed_frame(Opcode::text, ca) + frame(Opcode::text, "plain") +
                           compressed_frame(Opcode::binary, cb) + compressed_frame(Opcode::text, ca2);
  ASSERT_LT(ca2.size(), ca.size());
  const V expected{text(a), text("plain"), binary(b), text(a)};
  auto inflater = make_inflater();
  EXPECT_EQ(feed_whole(wire, Role::server, {}, inflater.get()).events, expected);
  expect_same_for_every_split(wire, expected, Role::server, {}, make_inflater);
}

TEST(MessageReaderCompressed, FragmentedMessageWithInterleavedPing) {
  Compressor compress;
  const std::string message = "\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5 " + std::string(300, 'k');
  const std::string deflated = compress(message);
  ASSERT_GT(deflated.size(), 6u);
  const std::string wire = compressed_frame(Opcode::text, deflated.substr(0, 3), false) +
                           frame(Opcode::ping, "hi") +
                           compressed_frame(Opcode::continuation, deflated.substr(3, 3), false) +
                           compressed_frame(Opcode::continuation, deflated.substr(6));
  const V expected{ping("hi"), text(message)};
  expect_same_for_every_split(wire, expected, Role::server, {}, make_inflater);
}

TEST(MessageReaderCompressed, EmptyMessages) {
  Compressor compress;
  // "" compressed per §7.2.3.6 is a single 0x00; some senders send nothing at all.
  const std::string wire = compressed_frame(Opcode::text, compress("")) +
                           compressed_frame(Opcode::binary, "") + compressed_frame(Opcode::text, "", false) +
                           compressed_frame(Opcode::continuation, "");
  const V expected{text(""), binary(""), text("")};
  expect_same_for_every_split(wire, expected, Role::server, {}, make_inflater);
}

TEST(MessageReaderCompressed, InflatedSizeOverLimitIsTooBig) {
  Compressor compress;
  const std::string bomb = compress(std::string(1u << 20, '\0'));  // ~1 KiB on the wire
  const ReaderLimits limits{.max_message_size = 64 * 1024, .max_frame_size = 64 * 1024};
  const std::string wire = compressed_frame(Opcode::binary, bomb);
  const V expected{error(close_code::message_too_big)};
  auto inflater = make_inflater();
  EXPECT_EQ(feed_whole(wire, Role::server, limits, inflater.get()).events, expected);
}

TEST(MessageReaderCompressed, InflatedSizeAtLimitIsAccepted) {
  Compressor compress;
  const std::string payload(64 * 1024, 'q');
  const ReaderLimits limits{.max_message_size = 64 * 1024, .max_frame_size = 64 * 1024};
  auto inflater = make_inflater();
  EXPECT_EQ(
      feed_whole(compressed_frame(Opcode::binary, compress(payload)), Role::server, limits, inflater.get())
          .events,
      V{binary(payload)});
}

TEST(MessageReaderCompressed, CorruptDataIsInvalidPayload) {
  auto inflater = make_inflater();
  // 0xff: BTYPE 11, a reserved block type.
  EXPECT_EQ(
      feed_whole(compressed_frame(Opcode::binary, "\xff\xff\xff"), Role::server, {}, inflater.get()).events,
      V{error(close_code::invalid_payload)});
}

TEST(MessageReaderCompressed, InvalidUtf8AfterInflationIsInvalidPayload) {
  Compressor compress;
  auto inflater = make_inflater();
  EXPECT_EQ(feed_whole(compressed_frame(Opcode::text, compress("ok \xed\xa0\x80")), Role::server, {},
                       inflater.get())
                .events,
            V{error(close_code::invalid_payload)});
}

TEST(MessageReaderCompressed, InvalidUtf8FailsBeforeTheMessageEnds) {
  Compressor compress;
  auto inflater = make_inflater();
  const std::string deflated = compress("bad \xc0\xaf and more text to follow");
  // Only the first fragment (carrying all the data, no FIN) is sent.
  EXPECT_EQ(
      feed_whole(compressed_frame(Opcode::text, deflated, false), Role::server, {}, inflater.get()).events,
      V{error(close_code::invalid_payload)});
}

TEST(MessageReaderCompressed, LargeRandomMessageInPieces) {
  Compressor compress;
  std::mt19937 rng(11);
  std::string payload(3u << 20, '\0');
  for (auto& c : payload) c = static_cast<char>('a' + rng() % 4);
  const std::string wire = compressed_frame(Opcode::binary, compress(payload));
  auto inflater = make_inflater();
  const size_t reads[] = {16384, 1, 333};
  auto result = feed_in_pieces(wire, reads, Role::server, {}, inflater.get());
  ASSERT_EQ(result.events.size(), 1u);
  EXPECT_TRUE(result.events[0] == binary(payload));
}

}  // namespace
}  // namespace wshub::ws
