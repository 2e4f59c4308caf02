#pragma once
// Helpers for the CommandDecoder tests: decoded events copied out of the decoder's
// buffers (its views die at the next decode), and an independent JSON -> MessagePack
// converter (simdjson DOM + msgpack-c's packer) to run the same cases in both encodings.
#include <simdjson.h>

#include <msgpack.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hub/CommandDecoder.h"

namespace wshub::hub::test {

struct Position {
  uint64_t offset = 0;
  std::string epoch;
  bool operator==(const Position&) const = default;
};

// One on_command or on_error call.
struct Event {
  bool ok = false;
  // on_command
  CommandType type = CommandType::application;
  std::string type_name;
  std::optional<uint64_t> id;
  std::string token, channel, message_type;
  std::optional<Position> recover, since;
  Encoding payload_encoding = Encoding::json;
  std::string payload;
  std::optional<uint64_t> limit;
  bool reverse = false;
  // on_error
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

inline std::optional<Position> copy(const std::optional<PositionView>& p) {
  if (!p) return std::nullopt;
  return Position{p->offset, std::string(p->epoch)};
}

inline std::span<const std::byte> bytes(std::string_view s) {
  return std::as_bytes(std::span(s.data(), s.size()));
}

inline std::vector<Event> decode_with(CommandDecoder& decoder, Encoding encoding, std::string_view frame) {
  std::vector<Event> events;
  decoder.decode(
      encoding, bytes(frame),
      [&](const ClientCommand& c) {
        Event e;
        e.ok = true;
        e.type = c.type;
        e.type_name = c.type_name;
        e.id = c.id;
        e.token = c.token;
        e.channel = c.channel;
        e.message_type = c.message_type;
        e.recover = copy(c.recover);
        e.since = copy(c.since);
        e.payload_encoding = c.payload.encoding;
        e.payload = c.payload.bytes;
        e.limit = c.limit;
        e.reverse = c.reverse;
        events.push_back(std::move(e));
      },
      [&](const DecodeError& error) {
        Event e;
        e.code = error.code;
        e.message = error.message;
        e.id = error.id;
        events.push_back(std::move(e));
      });
  return events;
}

inline std::vector<Event> decode(Encoding encoding, std::string_view frame, DecoderLimits limits = {}) {
  CommandDecoder decoder(limits);
  return decode_with(decoder, encoding, frame);
}

inline std::vector<Event> decode_json(std::string_view frame, DecoderLimits limits = {}) {
  return decode(Encoding::json, frame, limits);
}

// The reference converter. msgpack-c's packer writes integral doubles as integers; the
// command tests do not care, the conversion tests do not use this.
inline void pack_reference(msgpack::packer<msgpack::sbuffer>& pk, simdjson::dom::element e) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      auto a = e.get_array().value();
      pk.pack_array(static_cast<uint32_t>(a.size()));
      for (auto item : a) pack_reference(pk, item);
      break;
    }
    case element_type::OBJECT: {
      auto o = e.get_object().value();
      pk.pack_map(static_cast<uint32_t>(o.size()));
      for (auto field : o) {
        pk.pack(field.key);
        pack_reference(pk, field.value);
      }
      break;
    }
    case element_type::INT64:
      pk.pack_int64(e.get_int64().value());
      break;
    case element_type::UINT64:
      pk.pack_uint64(e.get_uint64().value());
      break;
    case element_type::DOUBLE:
      pk.pack_double(e.get_double().value());
      break;
    case element_type::STRING:
      pk.pack(e.get_string().value());
      break;
    case element_type::BOOL:
      pk.pack(e.get_bool().value());
      break;
    case element_type::NULL_VALUE:
      pk.pack_nil();
      break;
  }
}

inline std::string reference_msgpack(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(simdjson::padded_string(json)).value();
  msgpack::sbuffer buffer;
  msgpack::packer<msgpack::sbuffer> pk(buffer);
  pack_reference(pk, root);
  return std::string(buffer.data(), buffer.size());
}

}  // namespace wshub::hub::test
