#include "hub/MsgpackToJson.h"

#include <charconv>
#include <cmath>
#include <span>

#include "hub/Base64.h"
#include "hub/ErrorCode.h"
#include "hub/JsonString.h"
#include "hub/MsgpackReader.h"
#include "hub/PayloadConversion.h"
#include "ws/Utf8Validator.h"

namespace wshub::hub {
namespace {

enum class Failure : uint8_t { none, malformed, invalid_utf8, non_finite, too_deep };

bool is_utf8(std::string_view s) {
  return ws::is_valid_utf8(std::as_bytes(std::span(s.data(), s.size())));
}

template <typename T>
void append_number(std::string& out, T v) {
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, result.ptr);
}

// Shortest round-trip form, made to look like a float so that JSON -> MessagePack
// gives a float back (a JSON "1" would become an integer).
template <typename T>
void append_float(std::string& out, T v) {
  const size_t start = out.size();
  append_number(out, v);
  if (out.find_first_of(".e", start) == std::string::npos) out.append(".0");
}

class Converter {
 public:
  Converter(std::string_view input, std::string& out) : reader_(input), out_(out) {}

  Failure run() {
    MsgpackItem item;
    if (!reader_.read(item)) return Failure::malformed;
    value(item, 0, out_);
    if (failure_ == Failure::none && !reader_.at_end()) failure_ = Failure::malformed;
    return failure_;
  }

 private:
  // Writes the value whose header is `item` to `out`; `level` containers enclose it.
  // Stops writing (leaving `out` partial) once failure_ is set.
  void value(const MsgpackItem& item, size_t level, std::string& out) {
    switch (item.kind) {
      case MsgpackKind::nil:
        out.append("null");
        return;
      case MsgpackKind::boolean:
        out.append(item.boolean ? "true" : "false");
        return;
      case MsgpackKind::uint:
        return append_number(out, item.uint);
      case MsgpackKind::negative_int:
        return append_number(out, item.negative);
      case MsgpackKind::float32:
      case MsgpackKind::float64:
        if (!std::isfinite(item.number)) return fail(Failure::non_finite);
        if (item.kind == MsgpackKind::float32) return append_float(out, static_cast<float>(item.number));
        return append_float(out, item.number);
      case MsgpackKind::str:
        if (!is_utf8(item.data)) return fail(Failure::invalid_utf8);
        return append_json_string(out, item.data);
      case MsgpackKind::bin:
      case MsgpackKind::ext:
        out.push_back('"');
        append_base64(out, item.data);
        return out.push_back('"');
      case MsgpackKind::array:
        return array(item, level, out);
      case MsgpackKind::map:
        return map(item, level, out);
    }
  }

  void array(const MsgpackItem& item, size_t level, std::string& out) {
    if (level == kMaxPayloadDepth) return fail(Failure::too_deep);
    out.push_back('[');
    for (uint32_t i = 0; i < item.count && failure_ == Failure::none; ++i) {
      if (i != 0) out.push_back(',');
      child(level, out);
    }
    out.push_back(']');
  }

  void map(const MsgpackItem& item, size_t level, std::string& out) {
    if (level == kMaxPayloadDepth) return fail(Failure::too_deep);
    out.push_back('{');
    for (uint32_t i = 0; i < item.count && failure_ == Failure::none; ++i) {
      if (i != 0) out.push_back(',');
      key(level, out);
      out.push_back(':');
      child(level, out);
    }
    out.push_back('}');
  }

  void child(size_t level, std::string& out) {
    MsgpackItem item;
    if (!reader_.read(item)) return fail(Failure::malformed);
    value(item, level + 1, out);
  }

  void key(size_t level, std::string& out) {
    MsgpackItem item;
    if (!reader_.read(item)) return fail(Failure::malformed);
    switch (item.kind) {
      case MsgpackKind::str:
        if (!is_utf8(item.data)) return fail(Failure::invalid_utf8);
        return append_json_string(out, item.data);
      case MsgpackKind::bin:
      case MsgpackKind::ext:
        out.push_back('"');
        append_base64(out, item.data);
        return out.push_back('"');
      default: {
        // Rare (JSON has only string keys): a scratch string is fine here.
        std::string text;
        value(item, level + 1, text);
        return append_json_string(out, text);
      }
    }
  }

  void fail(Failure f) {
    if (failure_ == Failure::none) failure_ = f;
  }

  MsgpackReader reader_;
  std::string& out_;
  Failure failure_ = Failure::none;
};

std::string_view failure_message(Failure f) {
  switch (f) {
    case Failure::invalid_utf8:
      return "payload: a string is not valid UTF-8";
    case Failure::non_finite:
      return "payload: NaN and infinity have no JSON form";
    case Failure::too_deep:
      return "payload: nested deeper than 64 levels";
    default:
      return "payload: invalid MessagePack";
  }
}

}  // namespace

Result<Unit> msgpack_to_json(std::string_view msgpack, std::string& out) {
  const Failure failure = Converter(msgpack, out).run();
  if (failure == Failure::none) return Unit{};
  return Error{code(ErrorCode::bad_request), std::string(failure_message(failure))};
}

}  // namespace wshub::hub
