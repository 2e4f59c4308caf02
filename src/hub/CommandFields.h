#pragma once
// The known fields of one command as read from a frame, before anything is checked
// against its type: fields come in any order, and which of them matter (and so which
// problems are errors) depends on `type`. JsonCommandReader and MsgpackCommandReader
// fill a CommandFields; build_command() applies the rules of docs/protocol.md once for
// both encodings.
#include <cstdint>
#include <optional>
#include <string_view>

#include "hub/ClientCommand.h"
#include "hub/CommandDecoder.h"

namespace wshub::hub {

enum class FieldState : uint8_t {
  absent,
  ok,
  wrong_type,
  invalid_utf8,  // a MessagePack str that is not UTF-8 (JSON text is validated whole)
  duplicate,     // sent twice: refused rather than guessing which one the client meant
};

template <typename T>
struct Field {
  FieldState state = FieldState::absent;
  T value{};

  void set(T v) {
    state = state == FieldState::absent ? FieldState::ok : FieldState::duplicate;
    value = v;
  }
  void set_problem(FieldState problem) {
    state = state == FieldState::absent ? problem : FieldState::duplicate;
  }
};

// `recover` and `since`: {"offset": uint, "epoch": string}, both required.
struct PositionRead {
  Field<uint64_t> offset;
  Field<std::string_view> epoch;
  PositionView view() const { return {offset.value, epoch.value}; }
};

// `payload` and `data`: the encoded bytes of any value, and what the reader learned.
struct ValueRead {
  std::string_view bytes;
  size_t depth = 0;
  bool invalid_utf8 = false;  // MessagePack only
  bool non_finite = false;    // MessagePack only
};

struct CommandFields {
  Field<uint64_t> id;
  Field<std::string_view> type;
  Field<std::string_view> token;
  Field<std::string_view> channel;
  Field<PositionRead> recover;
  Field<std::string_view> message_type;
  Field<ValueRead> payload;
  Field<ValueRead> data;
  Field<PositionRead> since;
  Field<uint64_t> limit;
  Field<bool> reverse;
};

enum class FieldName : uint8_t {
  id,
  type,
  token,
  channel,
  recover,
  message_type,
  payload,
  data,
  since,
  limit,
  reverse,
  offset,  // inside recover and since
  epoch,   // inside recover and since
  unknown,
};

FieldName field_name(std::string_view key);

// Why an element was refused. Kept as static text and numbers so that a good command
// costs no allocation; DecodeError's message is made only when an error is reported.
enum class Problem : uint8_t {
  required,
  duplicate,
  not_object,
  not_string,
  not_nonempty_string,
  not_utf8,
  not_uint,
  not_bool,
  invalid_channel,
  channel_too_long,
  reserved_type,
  too_large,
  too_deep,
  non_finite,
};

struct ElementError {
  ErrorCode code = ErrorCode::bad_request;
  std::string_view field;  // "channel", "recover.offset", "command" (the element itself)
  Problem problem = Problem::required;
  std::optional<uint64_t> id;
};

// Checks `fields` by their type and fills `command`, or says what is wrong. Views in
// `command` point where the views in `fields` do.
bool build_command(const CommandFields& fields, const DecoderLimits& limits, ClientCommand& command,
                   ElementError& error);

// "channel: must be a string"; `limits` gives the numbers of the size problems.
DecodeError make_decode_error(const ElementError& error, const DecoderLimits& limits);

}  // namespace wshub::hub
