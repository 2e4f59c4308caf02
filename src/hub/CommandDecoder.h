#pragma once
// Sans-IO decoder of client frames: bytes in, commands (or per-command errors) out.
// A frame holds one object or an array of objects (batching); each element is decoded
// and reported on its own, so one bad element does not hide the good ones.
//
// JSON (subprotocol wshub.json, the default) is parsed with simdjson's on-demand API
// from a padded copy kept by the decoder (one per worker: no allocation per message once
// warm). MessagePack (wshub.msgpack), same shapes, with the sans-IO MsgpackReader
// (msgpack-c allocates declared container sizes up front; it is the tests' reference).
// A frame is reported only once all of it is known to be well formed.
//
// Validation done here, so the hub sees only well-formed commands: `type` is a
// non-empty string; `id` a non-negative integer; each known field has its type;
// channel names pass ChannelName validation; payloads are one complete value whose
// encoded size is at most `max_payload_size`.
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "hub/ChannelName.h"
#include "hub/ClientCommand.h"
#include "hub/ErrorCode.h"

namespace wshub::hub {

struct DecodeError {
  ErrorCode code = ErrorCode::bad_request;  // bad_request, or limit_exceeded for sizes and batch length
  std::string message;                      // names the field: "channel: must be a string"
  std::optional<uint64_t> id;               // when the element had a readable id
};

struct DecoderLimits {
  size_t max_payload_size = 64 * 1024;
  size_t max_batch = 100;                         // elements per frame; the rest get limit_exceeded
  size_t max_channel_length = kMaxChannelLength;  // bytes; longer gets limit_exceeded
};

class CommandDecoder {
 public:
  using OnCommand = std::function<void(const ClientCommand&)>;
  using OnError = std::function<void(const DecodeError&)>;

  explicit CommandDecoder(DecoderLimits limits = {});
  ~CommandDecoder();
  CommandDecoder(const CommandDecoder&) = delete;
  CommandDecoder& operator=(const CommandDecoder&) = delete;

  // Decodes one WebSocket message. Calls on_command / on_error once per element, in
  // order. A frame that is not an object or array at all gives one on_error.
  void decode(Encoding encoding, std::span<const std::byte> frame, const OnCommand& on_command,
              const OnError& on_error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace wshub::hub
