#include "hub/CommandDecoder.h"

#include "hub/CommandBatch.h"
#include "hub/JsonCommandReader.h"
#include "hub/MsgpackCommandReader.h"

namespace wshub::hub {
namespace {

std::string frame_error_message(FrameError e) {
  switch (e) {
    case FrameError::invalid_number:
      return "frame: invalid JSON: a number is malformed or does not fit 64 bits";
    case FrameError::invalid_msgpack:
      return "frame: invalid MessagePack";
    case FrameError::too_deep:
      return "frame: nested deeper than 128 levels";
    case FrameError::not_object_or_array:
      return "frame: must be an object or an array of objects";
    default:
      return "frame: invalid JSON";
  }
}

}  // namespace

struct CommandDecoder::Impl {
  explicit Impl(const DecoderLimits& limits) : batch(limits) {}

  CommandBatch batch;
  JsonCommandReader json;
};

CommandDecoder::CommandDecoder(DecoderLimits limits) : impl_(std::make_unique<Impl>(limits)) {}

CommandDecoder::~CommandDecoder() = default;

void CommandDecoder::decode(Encoding encoding, std::span<const std::byte> frame, const OnCommand& on_command,
                            const OnError& on_error) {
  CommandBatch& batch = impl_->batch;
  batch.reset(encoding);
  const FrameError error =
      encoding == Encoding::json
          ? impl_->json.read(frame, batch)
          : read_msgpack_commands(std::string_view(reinterpret_cast<const char*>(frame.data()), frame.size()),
                                  batch);
  if (error != FrameError::none) {
    on_error(DecodeError{ErrorCode::bad_request, frame_error_message(error), std::nullopt});
    return;
  }
  batch.deliver(on_command, on_error);
}

}  // namespace wshub::hub
