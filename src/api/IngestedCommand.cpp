#include "api/IngestedCommand.h"

#include "api/ApiCommandParser.h"
#include "hub/ErrorCode.h"

namespace wshub::api {

void execute_ingested_publish(ServerApi& api, std::string_view json, std::string fallback_idempotency_key,
                              size_t max_bytes, std::function<void(IngestResult)> done) {
  if (json.size() > max_bytes) {
    return done(IngestResult{IngestOutcome::rejected, hub::code(hub::ErrorCode::bad_request),
                             "command: larger than " + std::to_string(max_bytes) + " bytes"});
  }
  hub::Result<ApiCommand> command = parse_api_command(Method::publish, json);
  if (!command) {
    return done(IngestResult{IngestOutcome::rejected, command.error().code, command.error().message});
  }
  auto& params = std::get<PublishParams>(command->params);
  if (params.idempotency_key.empty()) params.idempotency_key = std::move(fallback_idempotency_key);
  api.execute(std::move(*command), [done = std::move(done)](hub::Result<std::string> result) {
    if (result) return done(IngestResult{IngestOutcome::accepted, 0, std::move(*result)});
    const hub::Error& error = result.error();
    const bool retry = error.code == hub::code(hub::ErrorCode::unavailable);
    done(IngestResult{retry ? IngestOutcome::retry : IngestOutcome::rejected, error.code, error.message});
  });
}

std::string_view ingest_outcome_name(IngestOutcome outcome) {
  switch (outcome) {
    case IngestOutcome::accepted:
      return "accepted";
    case IngestOutcome::retry:
      return "retry";
    case IngestOutcome::rejected:
      return "rejected";
  }
  return "unknown";
}

}  // namespace wshub::api
