#pragma once
// The JSON half of CommandDecoder: validates a whole frame with simdjson On Demand and
// hands each command's fields to a CommandBatch.
//
// On Demand validates only what it is asked for and skips the rest by counting
// brackets, so `{"type":"ping","x":tru}` or a payload holding `[1,}` would pass a lazy
// reader. Payloads are forwarded verbatim to other clients, so this reader visits every
// value of the frame: strings are unescaped, numbers and literals parsed, objects and
// arrays iterated, and the document must end after the root. That accepts exactly what
// simdjson's DOM parser accepts (RFC 8259 JSON whose numbers fit a 64-bit integer or a
// finite double), which the fuzz target checks.
#include <simdjson.h>

#include <cstddef>
#include <memory>
#include <span>

#include "hub/CommandBatch.h"

namespace wshub::hub {

class JsonCommandReader {
 public:
  FrameError read(std::span<const std::byte> frame, CommandBatch& batch);

 private:
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: frames are copied here.
  // Views in the decoded commands point into it and into the parser's string buffer.
  std::unique_ptr<char[]> buffer_;
  size_t capacity_ = 0;
  simdjson::ondemand::parser parser_;
};

}  // namespace wshub::hub
