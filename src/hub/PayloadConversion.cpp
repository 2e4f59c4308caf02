#include "hub/PayloadConversion.h"

#include "hub/JsonToMsgpack.h"
#include "hub/MsgpackToJson.h"

namespace wshub::hub {

// Same encodings: a copy, not a validation. Payloads are validated once, by the
// decoder (CommandDecoder.h) or whoever accepted them, not again per subscriber.
Result<Unit> convert_payload(Encoding from, std::string_view bytes, Encoding to, std::string& out) {
  if (from == to) {
    out.append(bytes);
    return Unit{};
  }
  const size_t size_before = out.size();
  auto result = from == Encoding::json ? json_to_msgpack(bytes, out) : msgpack_to_json(bytes, out);
  if (!result) out.resize(size_before);
  return result;
}

}  // namespace wshub::hub
