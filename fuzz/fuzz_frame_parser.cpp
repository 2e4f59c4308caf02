// fuzz-layer: ws
// MessageReader (server role, 1 MiB limits) on arbitrary bytes, fed twice: whole, and in
// random-sized pieces the way a connection would (keeping the unconsumed rest). Checks the
// handler-visible invariants on every callback and that both runs report the same events.
//
// Input layout: byte 0 = options (bit 0: permessage-deflate with an Inflater, bits 1-3:
// its window bits - 8, bit 4: no context takeover), byte 1 = seed of the piece sizes;
// the rest is the byte stream.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "ws/CloseCode.h"
#include "ws/FrameBuilder.h"
#include "ws/Inflater.h"
#include "ws/MessageReader.h"
#include "ws/Utf8Validator.h"

using namespace wshub::ws;

namespace {

constexpr ReaderLimits kLimits{.max_message_size = 1u << 20, .max_frame_size = 1u << 20};

void require(bool ok) {
  if (!ok) std::abort();
}

struct Event {
  int kind;
  uint16_t code;
  std::string payload;
  bool operator==(const Event&) const = default;
};

class CheckingHandler : public MessageHandler {
 public:
  std::vector<Event> events;
  bool finished = false;  // on_close or on_error was called

  void on_message(Opcode op, std::span<const std::byte> p) override {
    require(!finished);
    require(op == Opcode::text || op == Opcode::binary);
    require(p.size() <= kLimits.max_message_size);
    if (op == Opcode::text) require(is_valid_utf8(p));
    add(static_cast<int>(op), 0, p);
  }
  void on_ping(std::span<const std::byte> p) override {
    require(!finished && p.size() <= 125);
    add(9, 0, p);
  }
  void on_pong(std::span<const std::byte> p) override {
    require(!finished && p.size() <= 125);
    add(10, 0, p);
  }
  void on_close(uint16_t code, std::string_view reason) override {
    require(!finished);
    require(code == close_code::no_status ? reason.empty() : is_valid_received_close_code(code));
    require(reason.size() <= 123 && is_valid_utf8(std::as_bytes(std::span(reason))));
    finished = true;
    add(8, code, std::as_bytes(std::span(reason)));
  }
  void on_error(uint16_t code, std::string_view why) override {
    require(!finished);
    require(code == close_code::protocol_error || code == close_code::invalid_payload ||
            code == close_code::message_too_big);
    require(!why.empty());
    finished = true;
    add(-1, code, {});
  }

 private:
  void add(int kind, uint16_t code, std::span<const std::byte> p) {
    events.push_back({kind, code, std::string(reinterpret_cast<const char*>(p.data()), p.size())});
  }
};

std::unique_ptr<Inflater> make_inflater(uint8_t options) {
  if (!(options & 1)) return nullptr;
  return std::make_unique<Inflater>(8 + ((options >> 1) & 7), (options & 0x10) != 0);
}

// Plays the connection: appends each piece to what was left unconsumed and feeds it all.
std::vector<Event> run(const uint8_t* data, size_t size, uint8_t options, uint32_t seed, bool whole) {
  CheckingHandler handler;
  MessageReader reader(handler, Role::server, kLimits);
  auto inflater = make_inflater(options);
  reader.set_inflater(inflater.get());
  std::vector<std::byte> buffer;
  size_t pos = 0;
  while (pos < size && !reader.stopped()) {
    size_t n = size - pos;
    if (!whole) {
      seed = seed * 1103515245u + 12345u;
      const uint32_t r = seed >> 16;
      n = std::min<size_t>(n, (r & 3) == 0 ? 1 + (r >> 2) % 4096 : 1 + (r >> 2) % 24);
    }
    buffer.insert(buffer.end(), reinterpret_cast<const std::byte*>(data + pos),
                  reinterpret_cast<const std::byte*>(data + pos + n));
    pos += n;
    const size_t consumed = reader.feed(buffer);
    require(consumed <= buffer.size());
    require(reader.stopped() == handler.finished || reader.stopped());
    buffer.erase(buffer.begin(), buffer.begin() + static_cast<ptrdiff_t>(consumed));
    if (!reader.stopped()) require(buffer.size() < kMaxFrameHeaderSize);
  }
  if (handler.finished) require(reader.stopped());
  return std::move(handler.events);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const uint8_t options = data[0];
  const uint32_t seed = data[1];
  data += 2;
  size -= 2;
  const auto whole = run(data, size, options, seed, true);
  const auto pieces = run(data, size, options, seed, false);
  require(whole == pieces);
  return 0;
}
