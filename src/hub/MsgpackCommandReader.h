#pragma once
// The MessagePack half of CommandDecoder: the same shapes as JSON, a map with string
// keys (or an array of them), read with MsgpackReader. Payload bytes are views into the
// frame: exactly what the client sent.
#include <string_view>

#include "hub/CommandBatch.h"

namespace wshub::hub {

FrameError read_msgpack_commands(std::string_view frame, CommandBatch& batch);

}  // namespace wshub::hub
