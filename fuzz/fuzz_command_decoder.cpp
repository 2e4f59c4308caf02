// fuzz-layer: hub
// CommandDecoder on arbitrary bytes, decoded as JSON and as MessagePack, with default and
// with small limits (decoders live across inputs, so reuse is exercised too). Checks:
//  * JSON frames: the decoder refuses the whole frame exactly when simdjson's DOM parser
//    (the strict reference, same depth limit) does, with one error and no command;
//  * MessagePack frames: whatever the decoder accepts, msgpack-c parses whole;
//  * every command is well formed (type, channel, sizes), and its payload is one value
//    that converts to the other encoding and back to a fixed point;
//  * every message the encoder writes for it is valid JSON, or exactly one MessagePack
//    value;
//  * decoding the same frame twice gives the same events.
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <msgpack.hpp>
#include <span>
#include <string>
#include <vector>

#include "hub/ChannelName.h"
#include "hub/CommandBatch.h"
#include "hub/CommandDecoder.h"
#include "hub/MessageEncoder.h"
#include "hub/MsgpackReader.h"
#include "hub/PayloadConversion.h"

using namespace wshub::hub;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

constexpr DecoderLimits kSmall{.max_payload_size = 64, .max_batch = 3};

bool valid_json(std::string_view text) {
  static simdjson::dom::parser parser;
  return !parser.parse(simdjson::padded_string(text)).error();
}

bool one_msgpack_value(std::string_view bytes) {
  MsgpackReader reader(bytes);
  MsgpackItem item;
  MsgpackFacts facts;
  return reader.read(item) && scan_msgpack_value(reader, item, 1000, false, facts) == ScanResult::ok &&
         reader.at_end();
}

void check_output(Encoding encoding, const std::string& out) {
  require(encoding == Encoding::json ? valid_json(out) : one_msgpack_value(out));
}

Encoding other(Encoding e) {
  return e == Encoding::json ? Encoding::msgpack : Encoding::json;
}

void check_payload(const PayloadView& payload, const DecoderLimits& limits) {
  require(payload.bytes.size() <= limits.max_payload_size);
  if (payload.encoding == Encoding::json) require(valid_json(payload.bytes));
  if (payload.encoding == Encoding::msgpack) require(one_msgpack_value(payload.bytes));
  // What the decoder accepts converts, and conversion reaches a fixed point at once.
  std::string there, back, again;
  require(convert_payload(payload.encoding, payload.bytes, other(payload.encoding), there).ok());
  require(convert_payload(other(payload.encoding), there, payload.encoding, back).ok());
  require(convert_payload(payload.encoding, back, other(payload.encoding), again).ok());
  require(again == there);
}

bool needs_channel(CommandType t) {
  return t == CommandType::subscribe || t == CommandType::unsubscribe || t == CommandType::publish ||
         t == CommandType::presence || t == CommandType::presence_stats || t == CommandType::history;
}

void check_command(const ClientCommand& c, Encoding encoding, const DecoderLimits& limits) {
  require(!c.type_name.empty());
  ChannelName name;
  if (needs_channel(c.type)) require(parse_channel_name(c.channel, name));
  if (c.type == CommandType::refresh) require(!c.token.empty());
  if (c.type == CommandType::publish) require(c.payload.present());
  if (c.payload.present()) {
    require(c.payload.encoding == encoding);
    check_payload(c.payload, limits);
  }
  for (Encoding e : {Encoding::json, Encoding::msgpack}) {
    const MessageEncoder encoder(e);
    std::string out;
    Publication p{std::string(c.channel), c.id.value_or(0), std::string(c.message_type),
                  Payload{c.payload.encoding, std::string(c.payload.bytes)},
                  ClientInfo{std::string(c.token), std::string(c.type_name), ""}};
    if (p.payload.bytes.empty()) p.payload = Payload{Encoding::json, "null"};
    encoder.publication(out, p);
    check_output(e, out);
    out.clear();
    const StreamPosition position{c.recover ? c.recover->offset : 0,
                                  std::string(c.recover ? c.recover->epoch : "")};
    encoder.subscribed(out, c.id, c.channel, &position, c.recover.has_value());
    check_output(e, out);
    out.clear();
    encoder.reply(out, c.id, &p.payload);
    check_output(e, out);
  }
}

// The events of one decode, as text, to compare two runs.
std::vector<std::string> run(CommandDecoder& decoder, Encoding encoding, std::span<const std::byte> frame,
                             const DecoderLimits& limits, size_t& frame_errors, size_t& commands) {
  std::vector<std::string> events;
  frame_errors = commands = 0;
  decoder.decode(
      encoding, frame,
      [&](const ClientCommand& c) {
        ++commands;
        check_command(c, encoding, limits);
        events.push_back(std::string(c.type_name) + "|" + std::string(c.channel) + "|" +
                         std::string(c.payload.bytes) + "|" + std::to_string(c.id.value_or(~0ull)));
      },
      [&](const DecodeError& e) {
        require(!e.message.empty());
        require(e.code == ErrorCode::bad_request || e.code == ErrorCode::limit_exceeded);
        if (e.message.starts_with("frame:")) ++frame_errors;
        std::string out;
        MessageEncoder(encoding).error(out, e.id, code(e.code), e.message);
        check_output(encoding, out);
        events.push_back(e.message + "|" + std::to_string(e.id.value_or(~0ull)));
      });
  return events;
}

void check_json_oracle(std::string_view frame, size_t frame_errors, size_t events, size_t commands) {
  static simdjson::dom::parser parser = [] {
    simdjson::dom::parser p;
    require(p.allocate(1 << 16, kMaxFrameDepth) == simdjson::SUCCESS);
    return p;
  }();
  simdjson::dom::element root;
  const bool dom_ok = !parser.parse(simdjson::padded_string(frame)).get(root);
  if (!dom_ok || !(root.is_object() || root.is_array())) {
    require(frame_errors == 1 && events == 1 && commands == 0);
  } else {
    require(frame_errors == 0);
  }
}

void check_msgpack_oracle(std::string_view frame, size_t frame_errors) {
  if (frame_errors != 0 || frame.size() > 4096) return;
  const size_t n = frame.size();
  try {
    size_t offset = 0;
    msgpack::object_handle h =
        msgpack::unpack(frame.data(), n, offset, nullptr, nullptr, msgpack::unpack_limit(n, n, n, n, n, 200));
    require(offset == n);
  } catch (const std::exception&) {
    std::abort();  // we accepted a frame msgpack-c refuses
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static CommandDecoder json_default, json_small(kSmall), msgpack_default, msgpack_small(kSmall);
  const std::span<const std::byte> frame(reinterpret_cast<const std::byte*>(data), size);
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  size_t frame_errors, commands, again_errors, again_commands;

  auto events = run(json_default, Encoding::json, frame, {}, frame_errors, commands);
  check_json_oracle(text, frame_errors, events.size(), commands);
  require(run(json_default, Encoding::json, frame, {}, again_errors, again_commands) == events);
  run(json_small, Encoding::json, frame, kSmall, frame_errors, commands);

  events = run(msgpack_default, Encoding::msgpack, frame, {}, frame_errors, commands);
  check_msgpack_oracle(text, frame_errors);
  require(run(msgpack_default, Encoding::msgpack, frame, {}, again_errors, again_commands) == events);
  run(msgpack_small, Encoding::msgpack, frame, kSmall, frame_errors, commands);
  return 0;
}
