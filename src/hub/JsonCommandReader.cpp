#include "hub/JsonCommandReader.h"

#include <algorithm>
#include <cstring>

namespace wshub::hub {
namespace {

using simdjson::error_code;
using simdjson::SUCCESS;
using simdjson::ondemand::json_type;
namespace ondemand = simdjson::ondemand;

// Visits all of `v`, which `level` containers enclose; raises `deepest` to the
// nesting level of the deepest container inside (`v` itself counts).
error_code walk(ondemand::value v, size_t level, size_t& deepest) {
  json_type type;
  SIMDJSON_TRY(v.type().get(type));
  switch (type) {
    case json_type::object: {
      if (level >= kMaxFrameDepth) return simdjson::DEPTH_ERROR;
      deepest = std::max(deepest, level + 1);
      ondemand::object object;
      SIMDJSON_TRY(v.get_object().get(object));
      for (auto result : object) {
        ondemand::field field;
        SIMDJSON_TRY(std::move(result).get(field));
        std::string_view key;
        SIMDJSON_TRY(field.unescaped_key().get(key));
        SIMDJSON_TRY(walk(field.value(), level + 1, deepest));
      }
      return SUCCESS;
    }
    case json_type::array: {
      if (level >= kMaxFrameDepth) return simdjson::DEPTH_ERROR;
      deepest = std::max(deepest, level + 1);
      ondemand::array array;
      SIMDJSON_TRY(v.get_array().get(array));
      for (auto result : array) {
        ondemand::value item;
        SIMDJSON_TRY(std::move(result).get(item));
        SIMDJSON_TRY(walk(item, level + 1, deepest));
      }
      return SUCCESS;
    }
    case json_type::string: {
      std::string_view s;
      return v.get_string().get(s);
    }
    case json_type::number:
      return v.get_number().error();
    case json_type::boolean:
      return v.get_bool().error();
    case json_type::null: {
      bool is_null = false;
      SIMDJSON_TRY(v.is_null().get(is_null));
      // simdjson reports "nul" and "nullx" itself; this only keeps a `false` from passing.
      return is_null ? SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

error_code skip(ondemand::value v, size_t level) {
  size_t deepest = 0;
  return walk(v, level, deepest);
}

std::string_view trim_trailing_whitespace(std::string_view s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Reads the fields of one command object; `level` containers enclose its values.
// Values of the wrong type are recorded as such and still validated.
class ElementReader {
 public:
  ElementReader(CommandFields& fields, size_t level) : f_(fields), level_(level) {}

  error_code read(ondemand::object object) {
    for (auto result : object) {
      ondemand::field field;
      SIMDJSON_TRY(std::move(result).get(field));
      std::string_view key;
      SIMDJSON_TRY(field.unescaped_key().get(key));
      ondemand::value v = field.value();
      switch (field_name(key)) {
        case FieldName::id:
          SIMDJSON_TRY(uint(v, f_.id));
          break;
        case FieldName::type:
          SIMDJSON_TRY(string(v, f_.type));
          break;
        case FieldName::token:
          SIMDJSON_TRY(string(v, f_.token));
          break;
        case FieldName::channel:
          SIMDJSON_TRY(string(v, f_.channel));
          break;
        case FieldName::message_type:
          SIMDJSON_TRY(string(v, f_.message_type));
          break;
        case FieldName::recover:
          SIMDJSON_TRY(position(v, f_.recover));
          break;
        case FieldName::since:
          SIMDJSON_TRY(position(v, f_.since));
          break;
        case FieldName::payload:
          SIMDJSON_TRY(value(v, f_.payload));
          break;
        case FieldName::data:
          SIMDJSON_TRY(value(v, f_.data));
          break;
        case FieldName::limit:
          SIMDJSON_TRY(uint(v, f_.limit));
          break;
        case FieldName::reverse:
          SIMDJSON_TRY(boolean(v, f_.reverse));
          break;
        default:
          SIMDJSON_TRY(skip(v, level_));
      }
    }
    return SUCCESS;
  }

 private:
  template <typename T>
  error_code wrong_type(ondemand::value v, Field<T>& out, size_t level) {
    out.set_problem(FieldState::wrong_type);
    return skip(v, level);
  }

  error_code string(ondemand::value v, Field<std::string_view>& out, size_t level) {
    json_type type;
    SIMDJSON_TRY(v.type().get(type));
    if (type != json_type::string) return wrong_type(v, out, level);
    std::string_view s;
    SIMDJSON_TRY(v.get_string().get(s));
    out.set(s);
    return SUCCESS;
  }
  error_code string(ondemand::value v, Field<std::string_view>& out) { return string(v, out, level_); }

  error_code uint(ondemand::value v, Field<uint64_t>& out, size_t level) {
    json_type type;
    SIMDJSON_TRY(v.type().get(type));
    if (type != json_type::number) return wrong_type(v, out, level);
    ondemand::number n;
    SIMDJSON_TRY(v.get_number().get(n));
    if (n.is_uint64()) {
      out.set(n.get_uint64());
    } else if (n.is_int64() && n.get_int64() >= 0) {
      out.set(static_cast<uint64_t>(n.get_int64()));
    } else {
      out.set_problem(FieldState::wrong_type);  // negative, or not an integer (1.0, 1e2)
    }
    return SUCCESS;
  }
  error_code uint(ondemand::value v, Field<uint64_t>& out) { return uint(v, out, level_); }

  error_code boolean(ondemand::value v, Field<bool>& out) {
    json_type type;
    SIMDJSON_TRY(v.type().get(type));
    if (type != json_type::boolean) return wrong_type(v, out, level_);
    bool b;
    SIMDJSON_TRY(v.get_bool().get(b));
    out.set(b);
    return SUCCESS;
  }

  error_code position(ondemand::value v, Field<PositionRead>& out) {
    json_type type;
    SIMDJSON_TRY(v.type().get(type));
    if (type != json_type::object) return wrong_type(v, out, level_);
    PositionRead p;
    ondemand::object object;
    SIMDJSON_TRY(v.get_object().get(object));
    for (auto result : object) {
      ondemand::field field;
      SIMDJSON_TRY(std::move(result).get(field));
      std::string_view key;
      SIMDJSON_TRY(field.unescaped_key().get(key));
      switch (field_name(key)) {
        case FieldName::offset:
          SIMDJSON_TRY(uint(field.value(), p.offset, level_ + 1));
          break;
        case FieldName::epoch:
          SIMDJSON_TRY(string(field.value(), p.epoch, level_ + 1));
          break;
        default:
          SIMDJSON_TRY(skip(field.value(), level_ + 1));
      }
    }
    out.set(p);
    return SUCCESS;
  }

  // The value's exact text: a scalar's token, or a container from its first byte to
  // where the iterator stands once the container is consumed, less the whitespace
  // before the next `,` or `}`.
  error_code value(ondemand::value v, Field<ValueRead>& out) {
    json_type type;
    SIMDJSON_TRY(v.type().get(type));
    const std::string_view token = v.raw_json_token();
    size_t deepest = level_;
    SIMDJSON_TRY(walk(v, level_, deepest));
    ValueRead read;
    read.depth = deepest - level_;
    if (type == json_type::object || type == json_type::array) {
      const char* end;
      SIMDJSON_TRY(v.current_location().get(end));
      read.bytes =
          trim_trailing_whitespace(std::string_view(token.data(), static_cast<size_t>(end - token.data())));
    } else {
      read.bytes = trim_trailing_whitespace(token);
    }
    out.set(read);
    return SUCCESS;
  }

  CommandFields& f_;
  size_t level_;
};

error_code read_element(ondemand::object object, size_t level, CommandBatch& batch) {
  CommandFields fields;
  SIMDJSON_TRY(ElementReader(fields, level + 1).read(object));
  batch.add(fields);
  return SUCCESS;
}

error_code read_frame(ondemand::document& doc, CommandBatch& batch, bool& not_object_or_array) {
  json_type type;
  SIMDJSON_TRY(doc.type().get(type));
  if (type == json_type::object) {
    ondemand::object object;
    SIMDJSON_TRY(doc.get_object().get(object));
    SIMDJSON_TRY(read_element(object, 0, batch));
  } else if (type == json_type::array) {
    ondemand::array array;
    SIMDJSON_TRY(doc.get_array().get(array));
    for (auto result : array) {
      ondemand::value item;
      SIMDJSON_TRY(std::move(result).get(item));
      json_type item_type;
      SIMDJSON_TRY(item.type().get(item_type));
      if (!batch.wants_element()) {
        SIMDJSON_TRY(skip(item, 1));
      } else if (item_type == json_type::object) {
        ondemand::object object;
        SIMDJSON_TRY(item.get_object().get(object));
        SIMDJSON_TRY(read_element(object, 1, batch));
      } else {
        batch.add_not_object();
        SIMDJSON_TRY(skip(item, 1));
      }
    }
  } else {
    not_object_or_array = true;
    return SUCCESS;
  }
  // Nothing may follow the root value ("{} {}", "{}]").
  const auto location = doc.current_location();
  return location.error() == simdjson::OUT_OF_BOUNDS ? SUCCESS : simdjson::TRAILING_CONTENT;
}

}  // namespace

FrameError JsonCommandReader::read(std::span<const std::byte> frame, CommandBatch& batch) {
  const size_t needed = frame.size() + simdjson::SIMDJSON_PADDING;
  if (capacity_ < needed) {
    capacity_ = std::max(needed, 2 * capacity_);
    buffer_ = std::make_unique<char[]>(capacity_);
  }
  if (!frame.empty()) std::memcpy(buffer_.get(), frame.data(), frame.size());
  std::memset(buffer_.get() + frame.size(), ' ', simdjson::SIMDJSON_PADDING);

  ondemand::document doc;
  bool not_object_or_array = false;
  error_code error = parser_.iterate(buffer_.get(), frame.size(), capacity_).get(doc);
  if (!error) error = read_frame(doc, batch, not_object_or_array);
  switch (error) {
    case SUCCESS:
      return not_object_or_array ? FrameError::not_object_or_array : FrameError::none;
    case simdjson::NUMBER_ERROR:
    case simdjson::NUMBER_OUT_OF_RANGE:
      return FrameError::invalid_number;
    case simdjson::DEPTH_ERROR:
      return FrameError::too_deep;
    default:
      return FrameError::invalid_json;
  }
}

}  // namespace wshub::hub
