#include "hub/CommandFields.h"

#include <array>
#include <string>
#include <utility>

#include "hub/ChannelName.h"
#include "hub/PayloadConversion.h"

namespace wshub::hub {
namespace {

constexpr std::array<std::pair<std::string_view, FieldName>, 13> kFieldNames{{
    {"id", FieldName::id},
    {"type", FieldName::type},
    {"token", FieldName::token},
    {"channel", FieldName::channel},
    {"recover", FieldName::recover},
    {"message_type", FieldName::message_type},
    {"payload", FieldName::payload},
    {"data", FieldName::data},
    {"since", FieldName::since},
    {"limit", FieldName::limit},
    {"reverse", FieldName::reverse},
    {"offset", FieldName::offset},
    {"epoch", FieldName::epoch},
}};

constexpr std::array<std::pair<std::string_view, CommandType>, 9> kCommandTypes{{
    {"connect", CommandType::connect},
    {"subscribe", CommandType::subscribe},
    {"unsubscribe", CommandType::unsubscribe},
    {"publish", CommandType::publish},
    {"presence", CommandType::presence},
    {"presence_stats", CommandType::presence_stats},
    {"history", CommandType::history},
    {"ping", CommandType::ping},
    {"refresh", CommandType::refresh},
}};

// Publications are delivered with their message_type as `type` (MessageEncoder.h), so a
// message_type naming a server message would let one client forge, say, an error
// reply in everyone else's stream.
constexpr std::array<std::string_view, 15> kServerMessageTypes{
    "connected", "subscribed", "unsubscribed", "ack",   "presence",   "presence_stats",   "history",   "pong",
    "reply",     "error",      "join",         "leave", "disconnect", "refresh_required", "refreshed",
};

CommandType command_type(std::string_view name) {
  for (const auto& [n, t] : kCommandTypes) {
    if (n == name) return t;
  }
  return CommandType::application;
}

// Each check below returns false after filling `error`, true when the field is fine
// (including absent where that is allowed).
class Checker {
 public:
  Checker(ElementError& error, size_t max_channel_length)
      : error_(error), max_channel_length_(max_channel_length) {}

  bool fail(std::string_view field, Problem problem, ErrorCode code = ErrorCode::bad_request) {
    error_.code = code;
    error_.field = field;
    error_.problem = problem;
    return false;
  }

  // Problems every field can have: sent twice, or of the wrong kind.
  template <typename T>
  bool state(std::string_view field, const Field<T>& f, Problem wrong_type) {
    switch (f.state) {
      case FieldState::duplicate:
        return fail(field, Problem::duplicate);
      case FieldState::wrong_type:
        return fail(field, wrong_type);
      case FieldState::invalid_utf8:
        return fail(field, Problem::not_utf8);
      default:
        return true;
    }
  }

  template <typename T>
  bool required(std::string_view field, const Field<T>& f) {
    return f.state != FieldState::absent || fail(field, Problem::required);
  }

  bool channel(const Field<std::string_view>& f, std::string_view& out) {
    if (!required("channel", f) || !state("channel", f, Problem::not_string)) return false;
    if (f.value.size() > max_channel_length_) {
      return fail("channel", Problem::channel_too_long, ErrorCode::limit_exceeded);
    }
    ChannelName parsed;
    if (!parse_channel_name(f.value, parsed, max_channel_length_))
      return fail("channel", Problem::invalid_channel);
    out = f.value;
    return true;
  }

  bool string(std::string_view field, const Field<std::string_view>& f, std::string_view& out) {
    if (!state(field, f, Problem::not_string)) return false;
    out = f.value;
    return true;
  }

  bool position(std::string_view field, std::string_view offset_field, std::string_view epoch_field,
                const Field<PositionRead>& f, std::optional<PositionView>& out) {
    if (!state(field, f, Problem::not_object)) return false;
    if (f.state == FieldState::absent) return true;
    const PositionRead& p = f.value;
    if (!required(offset_field, p.offset) || !state(offset_field, p.offset, Problem::not_uint)) return false;
    if (!required(epoch_field, p.epoch) || !state(epoch_field, p.epoch, Problem::not_string)) return false;
    out = p.view();
    return true;
  }

  bool value(std::string_view field, const Field<ValueRead>& f, size_t max_size, PayloadView& out) {
    if (!state(field, f, Problem::required)) return false;
    if (f.state == FieldState::absent) return true;
    const ValueRead& v = f.value;
    if (v.bytes.size() > max_size) return fail(field, Problem::too_large, ErrorCode::limit_exceeded);
    if (v.depth > kMaxPayloadDepth) return fail(field, Problem::too_deep);
    if (v.invalid_utf8) return fail(field, Problem::not_utf8);
    if (v.non_finite) return fail(field, Problem::non_finite);
    out.bytes = v.bytes;
    return true;
  }

  bool message_type(const Field<std::string_view>& f, std::string_view& out) {
    if (!state("message_type", f, Problem::not_nonempty_string)) return false;
    if (f.state == FieldState::absent) return true;
    if (f.value.empty()) return fail("message_type", Problem::not_nonempty_string);
    for (std::string_view reserved : kServerMessageTypes) {
      if (f.value == reserved) return fail("message_type", Problem::reserved_type);
    }
    out = f.value;
    return true;
  }

 private:
  ElementError& error_;
  size_t max_channel_length_;
};

std::string_view problem_text(Problem p) {
  switch (p) {
    case Problem::required:
      return "required";
    case Problem::duplicate:
      return "sent more than once";
    case Problem::not_object:
      return "must be an object";
    case Problem::not_string:
      return "must be a string";
    case Problem::not_nonempty_string:
      return "must be a non-empty string";
    case Problem::not_utf8:
      return "must be valid UTF-8";
    case Problem::not_uint:
      return "must be a non-negative integer";
    case Problem::not_bool:
      return "must be a boolean";
    case Problem::invalid_channel:
      return "not a valid channel name";
    case Problem::channel_too_long:
      return "longer than the channel name limit";
    case Problem::reserved_type:
      return "reserved for server messages";
    case Problem::too_large:
      return "larger than the payload size limit";
    case Problem::too_deep:
      return "nested deeper than 64 levels";
    case Problem::non_finite:
      return "NaN and infinity have no JSON form";
  }
  return "invalid";
}

}  // namespace

FieldName field_name(std::string_view key) {
  for (const auto& [n, f] : kFieldNames) {
    if (n == key) return f;
  }
  return FieldName::unknown;
}

bool build_command(const CommandFields& f, const DecoderLimits& limits, ClientCommand& c,
                   ElementError& error) {
  error = ElementError{};
  Checker check(error, limits.max_channel_length);
  if (!check.state("id", f.id, Problem::not_uint)) return false;
  if (f.id.state == FieldState::ok) error.id = f.id.value;

  if (!check.required("type", f.type) || !check.state("type", f.type, Problem::not_nonempty_string))
    return false;
  if (f.type.value.empty()) return check.fail("type", Problem::not_nonempty_string);

  c = ClientCommand{};
  c.type = command_type(f.type.value);
  c.type_name = f.type.value;
  c.id = error.id;
  switch (c.type) {
    case CommandType::connect:
      return check.string("token", f.token, c.token) &&
             check.value("data", f.data, limits.max_payload_size, c.payload);
    case CommandType::subscribe:
      return check.channel(f.channel, c.channel) &&
             check.position("recover", "recover.offset", "recover.epoch", f.recover, c.recover) &&
             check.string("token", f.token, c.token);
    case CommandType::unsubscribe:
    case CommandType::presence:
    case CommandType::presence_stats:
      return check.channel(f.channel, c.channel);
    case CommandType::publish:
      return check.channel(f.channel, c.channel) && check.message_type(f.message_type, c.message_type) &&
             check.required("payload", f.payload) &&
             check.value("payload", f.payload, limits.max_payload_size, c.payload);
    case CommandType::history:
      if (!check.channel(f.channel, c.channel) ||
          !check.position("since", "since.offset", "since.epoch", f.since, c.since) ||
          !check.state("limit", f.limit, Problem::not_uint) ||
          !check.state("reverse", f.reverse, Problem::not_bool)) {
        return false;
      }
      if (f.limit.state == FieldState::ok) c.limit = f.limit.value;
      c.reverse = f.reverse.state == FieldState::ok && f.reverse.value;
      return true;
    case CommandType::ping:
      return true;
    case CommandType::refresh:
      if (!check.required("token", f.token) || !check.state("token", f.token, Problem::not_nonempty_string)) {
        return false;
      }
      if (f.token.value.empty()) return check.fail("token", Problem::not_nonempty_string);
      c.token = f.token.value;
      return true;
    case CommandType::application:
      return check.value("payload", f.payload, limits.max_payload_size, c.payload);
  }
  return true;
}

DecodeError make_decode_error(const ElementError& error, const DecoderLimits& limits) {
  std::string message(error.field);
  message += ": ";
  if (error.problem == Problem::too_large) {
    message += "larger than " + std::to_string(limits.max_payload_size) + " bytes";
  } else if (error.problem == Problem::channel_too_long) {
    message += "longer than " + std::to_string(limits.max_channel_length) + " bytes";
  } else {
    message += problem_text(error.problem);
  }
  return DecodeError{error.code, std::move(message), error.id};
}

}  // namespace wshub::hub
