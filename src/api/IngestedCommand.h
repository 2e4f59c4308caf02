#pragma once
// A publish command that reached wshub through a message bus instead of HTTP (a Redis
// stream, NATS: docs/server-api.md "Ingestion"). It is the same JSON as the body of
// `POST /api/publish`, decoded by the same parser and run by the same ServerApi::execute,
// so a bus publish and an HTTP publish cannot drift apart. What differs is the caller's
// reaction to the outcome: a bus consumer acknowledges, retries or dead-letters a message
// where the HTTP API answers a request.
//
// Outcomes: `accepted` (the broker took the publication: acknowledge it), `retry` (error 113
// `unavailable`, the broker cannot serve it now: keep the message and try again later), and
// `rejected` (anything else: the command is malformed or names a channel that cannot take
// it; retrying cannot help, so it must not block the bus).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "api/ServerApi.h"

namespace wshub::api {

enum class IngestOutcome : uint8_t { accepted, retry, rejected };

struct IngestResult {
  IngestOutcome outcome = IngestOutcome::rejected;
  uint32_t code = 0;   // the error code (docs/server-api.md) unless accepted
  std::string detail;  // accepted: the result JSON ({"offset","epoch"}); otherwise the error message
};

// Decodes `json` as `api/publish` and executes it. `fallback_idempotency_key` is used when
// the command carries no `idempotency_key`: a bus redelivers what was not acknowledged, and
// a key derived from the message's identity (a stream entry id) turns a redelivery within
// the broker's idempotency window into the first publication's answer. `max_bytes` bounds
// the command as `http.max_body_bytes` bounds a request. `done` runs exactly once, on any
// thread, possibly before this returns.
void execute_ingested_publish(ServerApi& api, std::string_view json, std::string fallback_idempotency_key,
                              size_t max_bytes, std::function<void(IngestResult)> done);

std::string_view ingest_outcome_name(IngestOutcome outcome);

}  // namespace wshub::api
