#include "hub/CommandBatch.h"

#include <string>

namespace wshub::hub {

CommandBatch::CommandBatch(const DecoderLimits& limits) : limits_(limits) {
  outcomes_.reserve(limits_.max_batch);
}

void CommandBatch::reset(Encoding encoding) {
  encoding_ = encoding;
  outcomes_.clear();
  over_limit_ = 0;
}

bool CommandBatch::wants_element() {
  if (outcomes_.size() < limits_.max_batch) return true;
  ++over_limit_;
  return false;
}

void CommandBatch::add(const CommandFields& fields) {
  Outcome& o = outcomes_.emplace_back();
  o.ok = build_command(fields, limits_, o.command, o.error);
  o.command.payload.encoding = encoding_;
}

void CommandBatch::add_not_object() {
  Outcome& o = outcomes_.emplace_back();
  o.error = ElementError{ErrorCode::bad_request, "command", Problem::not_object, std::nullopt};
}

void CommandBatch::deliver(const CommandDecoder::OnCommand& on_command,
                           const CommandDecoder::OnError& on_error) const {
  for (const Outcome& o : outcomes_) {
    if (o.ok) {
      on_command(o.command);
    } else {
      on_error(make_decode_error(o.error, limits_));
    }
  }
  // One error for all the elements past the limit, not one each: a 1 MiB frame of "{}"
  // would otherwise be answered with 20 MiB of errors.
  if (over_limit_ != 0) {
    on_error(DecodeError{ErrorCode::limit_exceeded,
                         "batch: " + std::to_string(over_limit_) + " commands over the limit of " +
                             std::to_string(limits_.max_batch) + " were not processed",
                         std::nullopt});
  }
}

}  // namespace wshub::hub
