#pragma once
// Ingestion from NATS (docs/server-api.md, "Ingestion from NATS"): back-ends publish with a
// NATS message instead of an HTTP request. Each message on `subject` is the JSON body of the
// server API's `publish` method, parsed and executed exactly like POST /api/publish; the
// subscription is in a queue group, so of all the nodes that ingest the subject, one handles
// each command. The result is logged (a failure as a warning, a success at debug level) and,
// when the message has a reply subject (a NATS request), sent there as the JSON the HTTP API
// would have answered: {} (or {"offset":..,"epoch":..}) or {"error":{"code":..,"message":..}}.
//
// It has a NATS connection of its own (not the broker's, which may not even be NATS), with
// libnats' reconnect: while NATS is down nothing arrives, and NATS itself does not keep
// what was sent to nobody (at most once, like HTTP without a retry).
//
// Threads: commands are executed on libnats' delivery thread (ServerApi::execute never
// blocks); a reply is published from whichever thread completes the command. Destruction
// waits for a command being handled; completions that come later find the ingestion stopped
// and publish nothing.
#include <memory>
#include <string>

#include "api/ServerApi.h"

namespace wshub::server {

struct NatsIngestOptions {
  std::string url = "nats://127.0.0.1:4222";  // one URL or a comma-separated list
  std::string user;
  std::string password;
  std::string token;
  std::string subject;  // the subject publish commands arrive on
  std::string queue_group = "wshub";
};

class NatsIngest {
 public:
  // Throws std::runtime_error when the subject cannot be subscribed (start-up). An
  // unreachable server is not an error: libnats connects when it can.
  NatsIngest(NatsIngestOptions options, api::ServerApi& api);
  ~NatsIngest();
  NatsIngest(const NatsIngest&) = delete;
  NatsIngest& operator=(const NatsIngest&) = delete;

  // For libnats' C callbacks (NatsIngest.cpp).
  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace wshub::server
