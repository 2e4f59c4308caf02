#pragma once
// One direction of PayloadConversion.h: a MessagePack value to JSON text.
#include <string>
#include <string_view>

#include "hub/Result.h"

namespace wshub::hub {

// nil, booleans, integers, strings, arrays and maps map one to one. Floats are written
// in their shortest round-trip form and always look like floats ("1.0", not "1"), so
// they come back as floats; float32 is written as the float32 value ("0.1"). bin and
// ext become base64 strings (the ext type is dropped). Map keys become strings: str as
// is, bin and ext as base64, any other key as its JSON text (1 -> "1", [1] -> "[1]").
// Errors: malformed or trailing bytes, a str that is not UTF-8, NaN or infinity, nesting
// deeper than kMaxPayloadDepth.
Result<Unit> msgpack_to_json(std::string_view msgpack, std::string& out);

}  // namespace wshub::hub
