// "No allocation per message on the hot path", measured: global operator new is replaced
// in this test binary with a counting one. A warm decoder, the encoder writing into a
// reserved string, and a warm converter allocate nothing for good messages; a
// MessagePack bomb allocates nothing either.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>

#include "decoder_test_support.h"
#include "hub/CommandDecoder.h"
#include "hub/MessageEncoder.h"
#include "hub/PayloadConversion.h"

// g++ pairs the `new` inlined into gtest with the free() inlined from our delete.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif

namespace {
std::atomic<size_t> g_allocations{0};
std::atomic<size_t> g_bytes{0};
}  // namespace

// Every non-aligned form goes through malloc/free, so that a pointer from one form freed
// by another (simdjson uses new (std::nothrow) T[]) stays a matching pair for ASan.
void* counted_malloc(size_t n) noexcept {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  g_bytes.fetch_add(n, std::memory_order_relaxed);
  return std::malloc(n ? n : 1);
}

void* operator new(size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) {
  if (void* p = counted_malloc(n)) return p;
  throw std::bad_alloc();
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  return counted_malloc(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, size_t) noexcept {
  std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
  std::free(p);
}

namespace wshub::hub {
namespace {

struct Counts {
  size_t allocations, bytes;
};

template <typename F>
Counts measure(F&& f) {
  const size_t a = g_allocations.load(), b = g_bytes.load();
  f();
  return {g_allocations.load() - a, g_bytes.load() - b};
}

const std::string kJsonBatch =
    R"([{"type":"publish","id":1,"channel":"chat:room","message_type":"typing","payload":{"text":"hello \u00e9","n":[1,2.5,null]}},)"
    R"({"type":"subscribe","id":2,"channel":"news","recover":{"offset":10,"epoch":"ab"},"token":"t"},)"
    R"({"type":"history","id":3,"channel":"c","since":{"offset":1,"epoch":"e"},"limit":5,"reverse":true},)"
    R"({"type":"ping","id":4,"ignored":{"deep":[[[1]]]}},{"type":"app.x","payload":"x"}])";

TEST(CodecAllocations, WarmDecoderAllocatesNothing) {
  for (Encoding encoding : {Encoding::json, Encoding::msgpack}) {
    const std::string frame = encoding == Encoding::json ? kJsonBatch : test::reference_msgpack(kJsonBatch);
    CommandDecoder decoder;
    size_t commands = 0;
    const CommandDecoder::OnCommand on_command = [&](const ClientCommand&) { ++commands; };
    const CommandDecoder::OnError on_error = [&](const DecodeError&) { ADD_FAILURE(); };
    decoder.decode(encoding, test::bytes(frame), on_command, on_error);  // warm up
    const Counts c = measure([&] {
      for (int i = 0; i < 100; ++i) decoder.decode(encoding, test::bytes(frame), on_command, on_error);
    });
    EXPECT_EQ(c.allocations, 0u) << (encoding == Encoding::json ? "json" : "msgpack");
    EXPECT_EQ(commands, 505u);
  }
}

TEST(CodecAllocations, EncoderIntoAReservedStringAllocatesNothing) {
  const Publication publication{"chat:room", 42, "typing", Payload{Encoding::json, R"({"text":"hi"})"},
                                ClientInfo{"client-1", "user-1", ""}};
  const Publication packed{"chat:room", 42, "", Payload{Encoding::msgpack, "\x81\xa1k\x01"}, std::nullopt};
  for (Encoding encoding : {Encoding::json, Encoding::msgpack}) {
    const MessageEncoder encoder(encoding);
    std::string out;
    out.reserve(4096);
    const StreamPosition position{7, "epoch"};
    const Counts c = measure([&] {
      out.clear();
      encoder.publication(out, encoding == Encoding::json ? publication : packed);
      encoder.subscribed(out, 18446744073709551615ull, "chat:room", &position, true);
      encoder.error(out, 5, 107, "channel: must be a string");
      encoder.ack(out, 6, 99);
      encoder.pong(out, 7);
    });
    EXPECT_EQ(c.allocations, 0u);
  }
}

TEST(CodecAllocations, WarmConversionAllocatesNothing) {
  const std::string json = R"({"text":"hello","n":[1,-2,2.5,null,true],"nested":{"a":{"b":[]}}})";
  std::string packed, back;
  ASSERT_TRUE(convert_payload(Encoding::json, json, Encoding::msgpack, packed).ok());  // warm up
  ASSERT_TRUE(convert_payload(Encoding::msgpack, packed, Encoding::json, back).ok());
  const Counts c = measure([&] {
    for (int i = 0; i < 100; ++i) {
      packed.clear();
      back.clear();
      (void)convert_payload(Encoding::json, json, Encoding::msgpack, packed);
      (void)convert_payload(Encoding::msgpack, packed, Encoding::json, back);
    }
  });
  EXPECT_EQ(c.allocations, 0u);
}

TEST(CodecAllocations, MsgpackBombsAllocateNothing) {
  // msgpack-c's unpacker allocates 24 bytes per declared item as it reads a header. Here:
  // 200,000 nested arrays of 65,535 items (12 TB for msgpack-c), and one of 4 billion.
  std::string nested = "\x82\xa4type\xa7publish\xa7payload";
  for (int i = 0; i < 200000; ++i) nested += "\xdc\xff\xff";
  const std::string flat =
      "\x82\xa4type\xa7publish\xa7payload\xdd\xff\xff\xff\xff" + std::string(100, '\x01');
  const std::pair<const std::string*, const char*> cases[] = {
      {&nested, "frame: nested deeper than 128 levels"},
      {&flat, "frame: invalid MessagePack"},
  };
  CommandDecoder decoder;
  const CommandDecoder::OnCommand on_command = [](const ClientCommand&) { ADD_FAILURE(); };
  std::string message;
  message.reserve(256);
  const CommandDecoder::OnError on_error = [&](const DecodeError& e) { message = e.message; };
  for (const auto& bomb_case : cases) {
    const std::string& bomb = *bomb_case.first;
    const Counts c =
        measure([&] { decoder.decode(Encoding::msgpack, test::bytes(bomb), on_command, on_error); });
    EXPECT_EQ(message, bomb_case.second);
    EXPECT_LT(c.bytes, 256u);  // the error message, nothing else
  }
}

}  // namespace
}  // namespace wshub::hub
