#pragma once
// Objects, arrays and scalars in either encoding, for MessageEncoder: one call sequence
// writes a JSON object or a MessagePack map with the same keys in the same order.
// MessagePack needs the number of fields up front, JSON the commas between them; the
// caller gives the count and the writer places the commas.
#include <cstdint>
#include <string>
#include <string_view>

#include "hub/MsgpackWriter.h"
#include "hub/Publication.h"

namespace wshub::hub {

class MessageWriter {
 public:
  MessageWriter(Encoding encoding, std::string& out) : encoding_(encoding), out_(out), msgpack_(out) {}

  // `count`: the fields (pairs) or items that follow; used by MessagePack only, and
  // must match what is written.
  void begin_object(uint32_t count);
  void end_object();
  void begin_array(uint32_t count);
  void end_array();

  // Keys are the protocol's own ASCII names: written without escaping.
  void key(std::string_view name);
  void string(std::string_view s);
  void uint(uint64_t v);
  void boolean(bool b);
  void null();
  // A value given as JSON text (ClientInfo::info), converted for MessagePack; null if
  // it does not convert (it came from a verified token, so it should).
  void json_value(std::string_view json);
  // A payload, converted when its encoding is not ours; null if it does not convert
  // (the decoder accepts only payloads that do).
  void payload(const Payload& payload);

  void string_field(std::string_view name, std::string_view s) { key(name), string(s); }
  void uint_field(std::string_view name, uint64_t v) { key(name), uint(v); }
  void bool_field(std::string_view name, bool b) { key(name), boolean(b); }

 private:
  void encoded(Encoding from, std::string_view bytes);
  void before_value();  // JSON: the comma before the second and later array items
  void open(char bracket);
  void close(char bracket);

  Encoding encoding_;
  std::string& out_;
  MsgpackWriter msgpack_;
  uint32_t depth_ = 0;
  uint64_t has_items_ = 0;  // bit d: the container at depth d has an item already
  bool after_key_ = false;
};

}  // namespace wshub::hub
