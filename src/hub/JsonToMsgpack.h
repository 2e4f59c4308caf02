#pragma once
// One direction of PayloadConversion.h: a JSON value to MessagePack.
#include <string>
#include <string_view>

#include "hub/Result.h"

namespace wshub::hub {

// Integers stay integers (int64 or uint64, smallest format); other numbers become
// float64; strings are unescaped into str. Errors: invalid JSON, numbers that fit
// neither 64-bit integers nor finite doubles, nesting deeper than kMaxPayloadDepth.
Result<Unit> json_to_msgpack(std::string_view json, std::string& out);

}  // namespace wshub::hub
