#pragma once
// Routing by type to HTTP back-ends ([routes] in the configuration): an application
// message of a routed type is POSTed as {"client","user","type","payload"} to its URL, and
// the back-end's JSON answer becomes the client's reply (see docs/protocol.md, "Routing
// by type"). Each worker has its own http::HttpClient on its own loop (keep-alive pools,
// bounded queue, timeout), so a routed message never leaves the worker that received it.
#include <memory>
#include <string>
#include <vector>

#include "http/HttpClient.h"
#include "http/ResolvedEndpoint.h"
#include "hub/Hub.h"
#include "server/Config.h"

namespace wshub::server {

class BackendRoutes {
 public:
  // Resolves every route's host now (blocking, start-up only); throws StartupError for a
  // bad URL or a name that does not resolve.
  BackendRoutes(const Config& config, std::vector<net::EventLoop*> loops);
  ~BackendRoutes();

  // Registers one handler per routed type on `hub`.
  void install(hub::Hub& hub);

 private:
  struct Route {
    std::string type;
    http::ResolvedEndpoint endpoint;
    std::string path;
  };
  void call(hub::Hub& hub, const Route& route, const hub::MessageContext& context, hub::Responder responder);

  std::vector<Route> routes_;
  std::vector<std::unique_ptr<http::HttpClient>> clients_;  // by worker index
};

// The back-end's answer, parsed: what to reply, what to publish, or an error for the client.
struct BackendAnswer {
  std::optional<std::string> reply;  // JSON text
  std::vector<hub::Publication> publish;
  std::optional<hub::Error> error;
};
// Parses a 2xx body. An error result means the body broke the contract (-> error 112).
hub::Result<BackendAnswer> parse_backend_answer(std::string_view body);

}  // namespace wshub::server
