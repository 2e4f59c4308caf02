#include "hub/JsonToMsgpack.h"

#include <simdjson.h>

#include <cstring>
#include <memory>

#include "hub/ErrorCode.h"
#include "hub/MsgpackWriter.h"
#include "hub/PayloadConversion.h"

namespace wshub::hub {
namespace {

// simdjson's DOM parser rather than On Demand: it validates the whole value in one pass
// and knows every container's size before we write its MessagePack header. One parser
// and one padded buffer per thread (conversion happens on workers, once per publication
// and encoding): no allocation once warm.
struct ThreadParser {
  simdjson::dom::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;

  ThreadParser() {
    // Sets the depth limit; later growth keeps it (parser::ensure_capacity).
    if (parser.allocate(4096, kMaxPayloadDepth) != simdjson::SUCCESS) parser = simdjson::dom::parser();
  }

  simdjson::simdjson_result<simdjson::dom::element> parse(std::string_view json) {
    if (capacity < json.size() + simdjson::SIMDJSON_PADDING) {
      capacity = std::max(json.size() + simdjson::SIMDJSON_PADDING, 2 * capacity);
      buffer = std::make_unique<char[]>(capacity);
    }
    std::memcpy(buffer.get(), json.data(), json.size());
    std::memset(buffer.get() + json.size(), ' ', simdjson::SIMDJSON_PADDING);
    return parser.parse(buffer.get(), json.size(), false);
  }
};

// tape::scope_count saturates at 2^24 - 1: count bigger containers the slow way.
template <typename Container>
size_t size_of(const Container& c) {
  size_t n = c.size();
  if (n < 0xFFFFFF) return n;
  n = 0;
  for ([[maybe_unused]] auto item : c) ++n;
  return n;
}

void write(simdjson::dom::element e, MsgpackWriter& w) {
  using simdjson::dom::element_type;
  switch (e.type()) {
    case element_type::ARRAY: {
      const simdjson::dom::array a = e.get_array().value_unsafe();
      w.array(static_cast<uint32_t>(size_of(a)));
      for (simdjson::dom::element item : a) write(item, w);
      return;
    }
    case element_type::OBJECT: {
      const simdjson::dom::object o = e.get_object().value_unsafe();
      w.map(static_cast<uint32_t>(size_of(o)));
      for (simdjson::dom::key_value_pair field : o) {
        w.str(field.key);
        write(field.value, w);
      }
      return;
    }
    case element_type::INT64:
      return w.integer(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return w.uint(e.get_uint64().value_unsafe());
    case element_type::DOUBLE:
      return w.float64(e.get_double().value_unsafe());
    case element_type::STRING:
      return w.str(e.get_string().value_unsafe());
    case element_type::BOOL:
      return w.boolean(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
      return w.nil();
  }
}

}  // namespace

Result<Unit> json_to_msgpack(std::string_view json, std::string& out) {
  thread_local ThreadParser thread_parser;
  simdjson::dom::element root;
  if (const auto error = thread_parser.parse(json).get(root)) {
    return Error{code(ErrorCode::bad_request), error == simdjson::DEPTH_ERROR
                                                   ? "payload: nested deeper than 64 levels"
                                                   : "payload: invalid JSON"};
  }
  MsgpackWriter writer(out);
  write(root, writer);
  return Unit{};
}

}  // namespace wshub::hub
