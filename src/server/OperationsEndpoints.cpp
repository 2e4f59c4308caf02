#include "server/OperationsEndpoints.h"

namespace wshub::server {

namespace {

// Only GET on exactly the endpoint's path; the route is a
// prefix, so "/metricsX" lands here and gets the same 404 as any unknown path.
bool refuse_other_requests(const http::Request& request, std::string_view path, http::ReplyCallback& reply) {
  if (request.path != path) {
    reply(http::Reply{404, "application/json", "{\"error\":{\"code\":404,\"message\":\"not found\"}}\n", {}});
    return true;
  }
  if (request.method != "GET") {
    reply(http::Reply{405, "application/json", "{\"error\":{\"code\":405,\"message\":\"use GET\"}}\n",
                      {{"Allow", "GET"}}});
    return true;
  }
  return false;
}

}  // namespace

void MetricsEndpoint::handle(const http::Request& request, http::ReplyCallback reply) {
  if (refuse_other_requests(request, "/metrics", reply)) return;
  reply(http::Reply{200, "text/plain; version=0.0.4; charset=utf-8", render_(), {}});
}

void ReadinessEndpoint::handle(const http::Request& request, http::ReplyCallback reply) {
  if (refuse_other_requests(request, "/readyz", reply)) return;
  if (draining_.load(std::memory_order_acquire)) {
    reply(http::Reply{503, "application/json", "{\"status\":\"draining\"}\n", {}});
  } else if (!broker_connected_()) {
    reply(http::Reply{503, "application/json", "{\"status\":\"broker_unavailable\"}\n", {}});
  } else {
    reply(http::Reply{200, "application/json", "{\"status\":\"ready\"}\n", {}});
  }
}

}  // namespace wshub::server
