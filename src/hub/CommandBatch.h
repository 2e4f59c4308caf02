#pragma once
// The elements of one frame, collected while a reader validates the frame and reported
// only once the whole frame is known to be well formed: a frame that turns out to be
// broken JSON or MessagePack half way through gives one error and no commands, never
// "the first three commands, then an error". Storage is reserved for `max_batch`
// elements up front: a warm decoder allocates nothing for good commands.
#include <cstddef>
#include <vector>

#include "hub/CommandDecoder.h"
#include "hub/CommandFields.h"

namespace wshub::hub {

// Containers nested deeper than this anywhere in a frame make the whole frame invalid:
// the readers recurse, and this bounds their stack. Room for a batch, a command and a
// payload of kMaxPayloadDepth, with plenty to spare for fields the server ignores.
inline constexpr size_t kMaxFrameDepth = 128;

// Why a whole frame was refused (one error for the frame, no commands).
enum class FrameError : uint8_t {
  none,
  invalid_json,
  invalid_number,  // malformed, or beyond 64-bit integers and finite doubles
  invalid_msgpack,
  too_deep,
  not_object_or_array,
};

class CommandBatch {
 public:
  explicit CommandBatch(const DecoderLimits& limits);

  void reset(Encoding encoding);

  // Whether the next element is to be decoded; false past max_batch (the element is
  // then only validated, and counted for the one limit_exceeded error at the end).
  bool wants_element();
  void add(const CommandFields& fields);
  void add_not_object();

  // Reports the elements in order, then the batch limit error if any.
  void deliver(const CommandDecoder::OnCommand& on_command, const CommandDecoder::OnError& on_error) const;

 private:
  struct Outcome {
    bool ok = false;
    ClientCommand command;
    ElementError error;
  };

  DecoderLimits limits_;
  Encoding encoding_ = Encoding::json;
  std::vector<Outcome> outcomes_;
  size_t over_limit_ = 0;
};

}  // namespace wshub::hub
