#include "server/Worker.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <optional>

#include "http/Response.h"
#include "net/PlainTransport.h"
#include "net/Socket.h"
#include "net/TlsContext.h"
#include "net/TlsTransport.h"
#include "server/Connection.h"
#include "server/Logging.h"
#include "ws/Deflater.h"

namespace wshub::server {

namespace {
// Accepts per readiness event: enough to drain a storm quickly, bounded so a storm
// cannot starve the connections already served.
constexpr int kAcceptBudget = 64;
}  // namespace

class Worker::Listener final : public net::IoHandler {
 public:
  Listener(Worker& worker, int fd, bool api) : worker_(worker), fd_(fd), api_(api) {}
  void on_io(uint32_t) override { worker_.accept_ready(fd_, api_); }

 private:
  Worker& worker_;
  int fd_;
  bool api_;
};

Worker::Worker(unsigned index, const WorkerContext& context)
    : index_(index),
      context_(context),
      read_buffer_(std::make_unique<std::byte[]>(kReadBufferSize)),
      origins_(context.config->websocket.allowed_origins) {
  handshake_options_.subprotocols = &context.config->websocket.subprotocols;
  handshake_options_.origins = context.config->websocket.allowed_origins.empty() ? nullptr : &origins_;
  handshake_options_.deflate = context.config->websocket.deflate;
  shutdown_timer_.callback = &Worker::on_shutdown_deadline;
  shutdown_timer_.owner = this;
  loop_.set_iteration_hook([this] { end_of_iteration(); });
}

Worker::~Worker() {
  join();
  while (connections_ != nullptr) {
    Connection* c = connections_;
    unlink(c);
    delete c;
  }
  for (Connection* c : closed_list_) delete c;
  if (listen_fd_ >= 0) close(listen_fd_);
  if (api_fd_ >= 0) close(api_fd_);
  if (reserve_fd_ >= 0) close(reserve_fd_);
}

void Worker::start(int listen_fd, int api_fd) {
  listen_fd_ = listen_fd;
  api_fd_ = api_fd;
  reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  listener_ = std::make_unique<Listener>(*this, listen_fd_, false);
  loop_.add(listen_fd_, EPOLLIN, listener_.get());
  if (api_fd_ >= 0) {
    api_listener_ = std::make_unique<Listener>(*this, api_fd_, true);
    loop_.add(api_fd_, EPOLLIN, api_listener_.get());
  }
  thread_ = std::thread([this] { run(); });
}

void Worker::run() {
  pthread_setname_np(pthread_self(), ("wshub-w" + std::to_string(index_)).c_str());
  try {
    loop_.run();
  } catch (const std::exception& e) {
    component_log(LogComponent::net).critical("worker {}: {}", index_, e.what());
    std::abort();
  }
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

void Worker::request_shutdown() {
  // If the queue is full the loop is busy but alive: retry until the task is in.
  while (!loop_.post([this] { begin_shutdown(); })) std::this_thread::yield();
}

void Worker::begin_shutdown() {
  if (shutting_down_) return;
  shutting_down_ = true;
  for (int* fd : {&listen_fd_, &api_fd_}) {
    if (*fd < 0) continue;
    loop_.remove(*fd);
    close(*fd);
    *fd = -1;
  }
  // begin_shutdown() may release (unlink) the connection: take the next one first.
  for (Connection *c = connections_, *next; c != nullptr; c = next) {
    next = c->list_next;
    c->begin_shutdown();
  }
  loop_.timers().schedule(shutdown_timer_, config().shutdown_timeout);
}

void Worker::on_shutdown_deadline(net::TimerNode* node) {
  auto* self = static_cast<Worker*>(node->owner);
  component_log(LogComponent::net).warn("worker {}: shutdown deadline reached, dropping {} connections", self->index_,
               self->connection_count_);
  for (Connection *c = self->connections_, *next; c != nullptr; c = next) {
    next = c->list_next;
    c->abort("shutdown deadline");
  }
}

void Worker::accept_ready(int listen_fd, bool api_listener) {
  for (int i = 0; i < kAcceptBudget && !shutting_down_; ++i) {
    sockaddr_storage peer{};
    int fd = net::accept_connection(listen_fd, peer);
    if (fd < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      stats_.accept_errors.bump();
      if ((errno == EMFILE || errno == ENFILE) && reserve_fd_ >= 0) {
        // Out of descriptors: the pending connection would keep the listener readable
        // forever. Use the spare fd to accept it and close it at once, so clients get a
        // prompt refusal instead of a hang, then take the spare back.
        close(reserve_fd_);
        int shed = accept(listen_fd, nullptr, nullptr);
        if (shed >= 0) close(shed);
        reserve_fd_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
        component_log(LogComponent::net).warn("worker {}: out of file descriptors, refused a connection", index_);
        continue;
      }
      component_log(LogComponent::net).warn("worker {}: accept failed: {}", index_, strerror(errno));
      return;
    }
    const bool tls = context_.tls && !api_listener;  // the API listener is plain HTTP
    // The internal API listener is not a public door: storms come through server.listen.
    if (!api_listener && !context_.limits->accept_allowed(loop_.now())) {
      refuse_accepted(fd, tls);
      log_refusal(ConnectionRefusal::accept_rate, peer);
      continue;
    }
    uint64_t id = (uint64_t(index_) << 48) | next_id_++;
    // Plain TCP: the transport lives inside the Connection (one allocation per connection).
    auto* connection = tls ? new Connection(*this, std::make_unique<net::TlsTransport>(fd, context_.tls->native()), peer, id)
                           : new Connection(*this, fd, peer, id);
    link(connection);
    stats_.connections_accepted.bump();
    if (!connection->start(tls, api_listener)) connection->abort("epoll registration failed");
  }
}

// Over the accept rate: the cheapest clear answer. No Connection, no TLS handshake, no
// parse: over plain TCP a prebuilt 429 goes out with one non-blocking send (the new
// socket's send buffer is empty, so it fits), what the client already sent is read away
// so that close() ends with FIN rather than RST (a reset can destroy the 429 before the
// client reads it), and the socket is closed. A TLS client could not read plain HTTP: it
// just sees the connection closed.
void Worker::refuse_accepted(int fd, bool tls) {
  stats_.refused_accept_rate.bump();
  if (!tls) {
    static const std::string response = refusal_response(ConnectionRefusal::accept_rate);
    ::send(fd, response.data(), response.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
    char sink[2048];
    [[maybe_unused]] ssize_t n = ::recv(fd, sink, sizeof sink, MSG_DONTWAIT);
  }
  ::close(fd);
}

ConnectionRefusal Worker::admit_websocket(const sockaddr_storage& peer) {
  ConnectionRefusal refusal = context_.limits->admit_websocket(peer);
  if (refusal == ConnectionRefusal::total) stats_.refused_total.bump();
  if (refusal == ConnectionRefusal::per_ip) stats_.refused_per_ip.bump();
  if (refusal != ConnectionRefusal::none) log_refusal(refusal, peer);
  return refusal;
}

void Worker::release_websocket(const sockaddr_storage& peer) {
  context_.limits->release_websocket(peer);
}

// Refusals come in floods by nature (that is when limits act): one line a second per
// worker, with the count of the lines held back.
void Worker::log_refusal(ConnectionRefusal refusal, const sockaddr_storage& peer) {
  std::optional<uint64_t> held_back = refusal_log_.admit(loop_.now());
  if (!held_back) return;
  component_log(LogComponent::net).warn("worker {}: refused a connection from {}: {} ({} more since the last such line)", index_,
               net::format_address(peer), refusal_message(refusal), *held_back);
}

void Worker::link(Connection* c) {
  c->list_prev = nullptr;
  c->list_next = connections_;
  if (connections_) connections_->list_prev = c;
  connections_ = c;
  ++connection_count_;
  stats_.connections_current.store(static_cast<int64_t>(connection_count_), std::memory_order_relaxed);
}

void Worker::unlink(Connection* c) {
  if (c->list_prev) c->list_prev->list_next = c->list_next;
  if (c->list_next) c->list_next->list_prev = c->list_prev;
  if (connections_ == c) connections_ = c->list_next;
  c->list_prev = c->list_next = nullptr;
  --connection_count_;
  stats_.connections_current.store(static_cast<int64_t>(connection_count_), std::memory_order_relaxed);
}

void Worker::release(Connection* c) {
  awaiting_reply_.erase(c->id());
  unlink(c);
  stats_.connections_closed.bump();
  closed_list_.push_back(c);
}

void Worker::schedule_read(Connection* c) {
  read_list_.push_back(c);
  loop_.request_immediate_iteration();
}

void Worker::await_http_reply(Connection* connection) { awaiting_reply_[connection->id()] = connection; }

void Worker::post_http_reply(uint64_t connection_id, uint32_t sequence, http::Reply reply) {
  if (loop_.in_loop_thread()) {
    // Possibly inside the connection's own handle_http_request: deliver after the pass.
    replies_.push_back(QueuedReply{connection_id, sequence, std::move(reply)});
    loop_.request_immediate_iteration();
    return;
  }
  auto task = [this, connection_id, sequence, reply = std::move(reply)] {
    deliver_http_reply(connection_id, sequence, reply);
  };
  // A full queue means the worker is far behind but alive: wait for room a little while
  // rather than leave the API client hanging; give up after ~1 s (it will time out).
  for (int attempt = 0; attempt < 1000; ++attempt) {
    if (loop_.post(task)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  component_log(LogComponent::net).warn("worker {}: queue full, an HTTP reply to connection {} was dropped", index_, connection_id);
}

void Worker::deliver_http_reply(uint64_t connection_id, uint32_t sequence, const http::Reply& reply) {
  auto it = awaiting_reply_.find(connection_id);
  if (it == awaiting_reply_.end()) return;  // closed meanwhile
  it->second->finish_http_reply(sequence, reply);
}

void Worker::end_of_iteration() {
  if (!replies_.empty()) {
    std::vector<QueuedReply> replies;
    replies.swap(replies_);
    for (const QueuedReply& r : replies) deliver_http_reply(r.connection_id, r.sequence, r.reply);
  }
  // Reads carried over (TLS-buffered input) may queue output: run them before flushing.
  if (!read_list_.empty()) {
    std::vector<Connection*> pending;
    pending.swap(read_list_);
    for (Connection* c : pending) c->continue_reading();
  }
  // flush() may queue nothing new for other connections, but a close may release one:
  // index-based so appends during the loop are also handled.
  for (size_t i = 0; i < flush_list_.size(); ++i) flush_list_[i]->flush();
  flush_list_.clear();
  for (Connection* c : closed_list_) delete c;
  closed_list_.clear();
  if (shutting_down_ && connection_count_ == 0) {
    loop_.timers().cancel(shutdown_timer_);
    loop_.stop();
  }
}

WebSocketBehavior* Worker::behavior_for(std::string_view path) const {
  for (const auto& [p, behavior] : context_.endpoints) {
    if (p == path) return behavior;
  }
  return nullptr;
}

http::Handler* Worker::http_handler_for(std::string_view path, bool api_listener) const {
  for (const HttpRoute& route : context_.http_routes) {
    if (!(api_listener ? route.on_api : route.on_main)) continue;
    if (route.exact ? path == route.prefix : path.starts_with(route.prefix)) return route.handler;
  }
  return nullptr;
}

http::ParserLimits Worker::parser_limits() const {
  const auto& h = config().http;
  return {h.max_header_bytes, h.max_headers, h.max_body_bytes};
}

std::string Worker::respond_http(const http::Request& request) {
  stats_.http_requests.bump();
  if (request.path == "/healthz") {
    return http::make_response(200, "text/plain", "ok\n", request.keep_alive);
  }
  return http::make_response(404, "application/json",
                             R"({"error":{"code":404,"message":"not found"}})"
                             "\n",
                             request.keep_alive);
}

ws::Deflater& Worker::deflater(int window_bits) {
  auto& d = deflaters_[window_bits & 15];
  if (!d) d = std::make_unique<ws::Deflater>(window_bits, true, config().websocket.deflate.level);
  return *d;
}

}  // namespace wshub::server
