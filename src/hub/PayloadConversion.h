#pragma once
// Converts a payload between JSON and MessagePack, so a JSON publisher reaches msgpack
// subscribers and the reverse. MessagePack bin and ext values have no JSON form: they
// become base64 strings (documented in docs/protocol.md). Integers, floats, strings,
// booleans, nil/null, arrays and maps (string keys; other keys are stringified) map
// one to one.
#include <cstddef>
#include <string>
#include <string_view>

#include "hub/Publication.h"
#include "hub/Result.h"

namespace wshub::hub {

// Deepest nesting of arrays and objects/maps in a payload (`[]` is 1, a scalar 0). The
// decoder refuses deeper payloads, so whatever it accepted converts.
inline constexpr size_t kMaxPayloadDepth = 64;

// Appends `bytes` (one value in `from`) converted to `to` onto `out`. Same encodings:
// appended unchanged. Errors (bad_request) for input that is not one valid value.
// On error `out` is left as it was.
Result<Unit> convert_payload(Encoding from, std::string_view bytes, Encoding to, std::string& out);

}  // namespace wshub::hub
