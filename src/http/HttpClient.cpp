#include "http/HttpClient.h"

#include <cassert>

#include "http/CompletionQueue.h"
#include "http/OriginPool.h"
#include "http/PendingRequest.h"
#include "http/RequestHead.h"
#include "http/RetiredConnections.h"
#include "net/EventLoop.h"

namespace wshub::http {

namespace {
// One read per readiness event: large enough for most back-end answers in one go, shared by every
// connection of the client.
constexpr size_t kReadBufferSize = 64 * 1024;
}  // namespace

HttpClient::HttpClient(net::EventLoop& loop, HttpClientOptions options)
    : loop_(loop),
      options_(options),
      read_buffer_(std::make_unique<std::byte[]>(kReadBufferSize)),
      completions_(std::make_unique<CompletionQueue>(loop)),
      retired_(std::make_unique<RetiredConnections>(loop)) {
  assert(options_.max_connections_per_origin >= 1);
  ResponseLimits limits;
  limits.max_body_bytes = options_.max_response_size;
  context_.reset(new PoolContext{loop_, options_, *completions_, *retired_,
                                 std::span<std::byte>(read_buffer_.get(), kReadBufferSize), limits});
}

HttpClient::~HttpClient() {
  const bool inside_callback = completions_->delivering();
  pools_.clear();  // drops requests (their timers with them) and retires connections
  // From inside a callback we are in the middle of a batch that may still hold events for the connections
  // just closed: they must outlive this iteration.
  if (inside_callback) retired_->abandon();
}

void HttpClient::post(const ResolvedEndpoint& endpoint, std::string_view path, std::string_view content_type,
                      std::string body, HttpClientCallback done,
                      std::span<const std::pair<std::string, std::string>> extra_headers) {
  if (closed_) {
    fail_now(std::move(done), HttpClientErrorKind::closed, "client closed");
    return;
  }
  if (std::string_view why = check_request_fields(path, content_type, extra_headers); !why.empty()) {
    fail_now(std::move(done), HttpClientErrorKind::invalid_request, std::string(why));
    return;
  }
  OriginPool& pool = pool_for(endpoint);
  auto request = std::make_unique<PendingRequest>(loop_.timers());
  request->head =
      format_request_head("POST", path, endpoint.host_header, content_type, body.size(), extra_headers);
  request->body = std::move(body);
  request->done = std::move(done);
  request->pool = &pool;
  request->deadline.owner = request.get();
  request->deadline.callback = &HttpClient::on_deadline;
  loop_.timers().schedule(request->deadline, options_.timeout);
  pool.submit(std::move(request));
}

void HttpClient::on_deadline(net::TimerNode* node) {
  auto* request = static_cast<PendingRequest*>(node->owner);
  request->pool->on_deadline(*request);
}

void HttpClient::close() {
  closed_ = true;
  for (auto& [key, pool] : pools_) pool->fail_all(HttpClientErrorKind::closed, "client closed");
}

OriginPool& HttpClient::pool_for(const ResolvedEndpoint& endpoint) {
  auto it = pools_.find(endpoint.pool_key);
  if (it == pools_.end()) {
    it = pools_.emplace(endpoint.pool_key, std::make_unique<OriginPool>(*context_, endpoint)).first;
  }
  return *it->second;
}

void HttpClient::fail_now(HttpClientCallback done, HttpClientErrorKind kind, std::string message) {
  completions_->push(std::move(done), HttpClientError{kind, std::move(message)});
}

size_t HttpClient::in_flight() const {
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool->in_flight();
  return n;
}

size_t HttpClient::queued() const {
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool->queued();
  return n;
}

size_t HttpClient::open_connections() const {
  size_t n = 0;
  for (const auto& [key, pool] : pools_) n += pool->open_connections();
  return n;
}

}  // namespace wshub::http
