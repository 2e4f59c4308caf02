#include "hub/MessageWriter.h"

#include <cassert>
#include <charconv>

#include "hub/JsonString.h"
#include "hub/PayloadConversion.h"

namespace wshub::hub {

void MessageWriter::before_value() {
  if (encoding_ != Encoding::json) return;
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  const uint64_t bit = uint64_t{1} << depth_;
  if (has_items_ & bit) out_.push_back(',');
  has_items_ |= bit;
}

void MessageWriter::open(char bracket) {
  before_value();
  out_.push_back(bracket);
  ++depth_;
  assert(depth_ < 64);
  has_items_ &= ~(uint64_t{1} << depth_);
}

void MessageWriter::close(char bracket) {
  out_.push_back(bracket);
  --depth_;
}

void MessageWriter::begin_object(uint32_t count) {
  if (encoding_ == Encoding::msgpack) return msgpack_.map(count);
  open('{');
}

void MessageWriter::end_object() {
  if (encoding_ == Encoding::json) close('}');
}

void MessageWriter::begin_array(uint32_t count) {
  if (encoding_ == Encoding::msgpack) return msgpack_.array(count);
  open('[');
}

void MessageWriter::end_array() {
  if (encoding_ == Encoding::json) close(']');
}

void MessageWriter::key(std::string_view name) {
  if (encoding_ == Encoding::msgpack) return msgpack_.str(name);
  const uint64_t bit = uint64_t{1} << depth_;
  if (has_items_ & bit) out_.push_back(',');
  has_items_ |= bit;
  out_.push_back('"');
  out_.append(name);
  out_.append("\":");
  after_key_ = true;
}

void MessageWriter::string(std::string_view s) {
  if (encoding_ == Encoding::msgpack) return msgpack_.str(s);
  before_value();
  append_json_string(out_, s);
}

void MessageWriter::uint(uint64_t v) {
  if (encoding_ == Encoding::msgpack) return msgpack_.uint(v);
  before_value();
  char digits[20];
  out_.append(digits, std::to_chars(digits, digits + sizeof digits, v).ptr);
}

void MessageWriter::boolean(bool b) {
  if (encoding_ == Encoding::msgpack) return msgpack_.boolean(b);
  before_value();
  out_.append(b ? "true" : "false");
}

void MessageWriter::null() {
  if (encoding_ == Encoding::msgpack) return msgpack_.nil();
  before_value();
  out_.append("null");
}

void MessageWriter::json_value(std::string_view json) {
  encoded(Encoding::json, json);
}

void MessageWriter::payload(const Payload& payload) {
  encoded(payload.encoding, payload.bytes);
}

void MessageWriter::encoded(Encoding from, std::string_view bytes) {
  if (bytes.empty()) return null();
  before_value();
  if (convert_payload(from, bytes, encoding_, out_)) return;
  // before_value() placed the comma already: write null directly.
  if (encoding_ == Encoding::msgpack) {
    msgpack_.nil();
  } else {
    out_.append("null");
  }
}

}  // namespace wshub::hub
