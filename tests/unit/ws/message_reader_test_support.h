#pragma once
// Shared helpers for the MessageReader tests: a handler that records events, frame
// builders (valid and deliberately broken), and a driver that plays the connection's part
// (keep the unconsumed rest, prepend it to the next read) for any split of the input.
#include <gtest/gtest.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ws/FrameBuilder.h"
#include "ws/Inflater.h"
#include "ws/MessageReader.h"

namespace wshub::ws::test {

inline std::span<const std::byte> as_span(std::string_view s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

struct Event {
  enum Kind { message, ping, pong, close, error } kind;
  Opcode opcode = Opcode::continuation;
  std::string payload;  // message/ping/pong payload, close reason or error text
  uint16_t code = 0;    // close or error code

  // Error texts are for humans; two runs agree when the kinds and codes agree.
  bool operator==(const Event& o) const {
    return kind == o.kind && opcode == o.opcode && code == o.code && (kind == error || payload == o.payload);
  }
  friend std::ostream& operator<<(std::ostream& os, const Event& e) {
    static constexpr const char* kNames[] = {"message", "ping", "pong", "close", "error"};
    os << kNames[e.kind] << "(op=" << int(e.opcode) << ", code=" << e.code << ", " << e.payload.size()
       << " bytes";
    if (e.payload.size() <= 40) os << " \"" << e.payload << "\"";
    return os << ")";
  }
};

inline Event msg(Opcode op, std::string payload) {
  return {Event::message, op, std::move(payload), 0};
}
inline Event text(std::string payload) {
  return msg(Opcode::text, std::move(payload));
}
inline Event binary(std::string payload) {
  return msg(Opcode::binary, std::move(payload));
}
inline Event ping(std::string payload) {
  return {Event::ping, Opcode::continuation, std::move(payload), 0};
}
inline Event pong(std::string payload) {
  return {Event::pong, Opcode::continuation, std::move(payload), 0};
}
inline Event closed(uint16_t code, std::string reason = {}) {
  return {Event::close, Opcode::continuation, std::move(reason), code};
}
inline Event error(uint16_t code) {
  return {Event::error, Opcode::continuation, {}, code};
}

class Recorder : public MessageHandler {
 public:
  std::vector<Event> events;
  MessageReader* stop_reader = nullptr;  // when set, stop() it after event number stop_after
  size_t stop_after = 0;
  const std::byte* last_payload_data = nullptr;

  void on_message(Opcode opcode, std::span<const std::byte> payload) override {
    last_payload_data = payload.data();
    add({Event::message, opcode, str(payload), 0});
  }
  void on_ping(std::span<const std::byte> payload) override { add({Event::ping, {}, str(payload), 0}); }
  void on_pong(std::span<const std::byte> payload) override { add({Event::pong, {}, str(payload), 0}); }
  void on_close(uint16_t code, std::string_view reason) override {
    add({Event::close, {}, std::string(reason), code});
  }
  void on_error(uint16_t code, std::string_view why) override {
    add({Event::error, {}, std::string(why), code});
  }

 private:
  static std::string str(std::span<const std::byte> p) {
    return {reinterpret_cast<const char*>(p.data()), p.size()};
  }
  void add(Event e) {
    events.push_back(std::move(e));
    if (stop_reader && events.size() == stop_after) stop_reader->stop();
  }
};

inline constexpr std::array<std::byte, 4> kKey{std::byte{0x37}, std::byte{0xfa}, std::byte{0x21},
                                               std::byte{0x3d}};

// One frame as a peer in `sender` role would send it: clients mask, servers do not.
inline std::string frame(Opcode op, std::string_view payload, bool fin = true, Role sender = Role::client,
                         bool rsv1 = false) {
  std::string out;
  append_frame(out, op, as_span(payload), fin, rsv1, sender == Role::client ? &kKey : nullptr);
  return out;
}

// A frame from raw header fields, for the shapes append_frame refuses to make. `length_code`
// is the 7-bit field; `extended` the big-endian extended length bytes; masked with kKey.
inline std::string raw_frame(uint8_t b0, uint8_t length_code, std::string_view extended,
                             std::string_view payload, bool masked = true) {
  std::string out;
  out.push_back(static_cast<char>(b0));
  out.push_back(static_cast<char>((masked ? 0x80 : 0) | length_code));
  out.append(extended);
  const size_t start = out.size() + (masked ? 4 : 0);
  if (masked) out.append(reinterpret_cast<const char*>(kKey.data()), 4);
  out.append(payload);
  if (masked) {
    for (size_t i = 0; i < payload.size(); ++i) out[start + i] ^= static_cast<char>(kKey[i % 4]);
  }
  return out;
}

struct FeedResult {
  std::vector<Event> events;
  size_t leftover = 0;  // bytes the caller still holds at the end
};

// Feeds `wire` in pieces of the given sizes (the last repeats) like a connection would.
// Checks the feed() contract on every call: consumption never exceeds the input and, while
// the reader runs, what is left is a partial header (< 14 bytes).
inline FeedResult feed_in_pieces(std::string_view wire, std::span<const size_t> sizes,
                                 Role role = Role::server, ReaderLimits limits = {},
                                 Inflater* inflater = nullptr) {
  Recorder rec;
  MessageReader reader(rec, role, limits);
  reader.set_inflater(inflater);
  std::string buffer;
  size_t pos = 0, i = 0;
  while (pos < wire.size() && !reader.stopped()) {
    const size_t n = std::min(sizes[std::min(i++, sizes.size() - 1)], wire.size() - pos);
    buffer.append(wire.substr(pos, n));
    pos += n;
    const size_t consumed = reader.feed({reinterpret_cast<std::byte*>(buffer.data()), buffer.size()});
    EXPECT_LE(consumed, buffer.size());
    buffer.erase(0, consumed);
    if (!reader.stopped()) {
      EXPECT_LT(buffer.size(), kMaxFrameHeaderSize);
    }
  }
  return {std::move(rec.events), buffer.size() + (wire.size() - pos)};
}

inline FeedResult feed_whole(std::string_view wire, Role role = Role::server, ReaderLimits limits = {},
                             Inflater* inflater = nullptr) {
  const size_t all[] = {wire.size() == 0 ? 1 : wire.size()};
  return feed_in_pieces(wire, all, role, limits, inflater);
}

// Every two-piece split, then byte by byte: all must give `expected`.
inline void expect_same_for_every_split(
    std::string_view wire, const std::vector<Event>& expected, Role role = Role::server,
    ReaderLimits limits = {}, const std::function<std::unique_ptr<Inflater>()>& make_inflater = {}) {
  for (size_t cut = 1; cut < wire.size(); ++cut) {
    const size_t sizes[] = {cut, wire.size()};
    auto inflater = make_inflater ? make_inflater() : nullptr;
    ASSERT_EQ(feed_in_pieces(wire, sizes, role, limits, inflater.get()).events, expected)
        << "split at " << cut;
  }
  const size_t one[] = {1};
  auto inflater = make_inflater ? make_inflater() : nullptr;
  ASSERT_EQ(feed_in_pieces(wire, one, role, limits, inflater.get()).events, expected) << "byte by byte";
}

}  // namespace wshub::ws::test
