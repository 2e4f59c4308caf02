#include "http/ClientConnection.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>

#include "http/OriginPool.h"
#include "http/ResolvedEndpoint.h"

namespace wshub::http {

ClientConnection::ClientConnection(OriginPool& pool, net::EventLoop& loop, std::span<std::byte> read_buffer,
                                   ResponseLimits limits)
    : pool_(pool), loop_(loop), read_buffer_(read_buffer), parser_(limits) {
  idle_timer_.owner = this;
  idle_timer_.callback = &ClientConnection::on_idle_timer;
}

ClientConnection::~ClientConnection() {
  close();
}

bool ClientConnection::open(const ResolvedEndpoint& endpoint, std::string& error) {
  const int fd = ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return false;
  }
  transport_ = std::make_unique<net::PlainTransport>(fd);
  // Requests are written whole with one writev; Nagle would only delay the last segment.
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  int rc;
  do {
    rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.address_length);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && errno != EINPROGRESS) {
    error = std::string("connect: ") + std::strerror(errno);
    transport_.reset();
    return false;
  }
  // Connected or not, writability says the outcome: finish_connect() reads it from SO_ERROR.
  state_ = State::connecting;
  if (!loop_.add(fd, EPOLLOUT, this)) {
    error = std::string("epoll: ") + std::strerror(errno);
    transport_.reset();
    state_ = State::closed;
    return false;
  }
  interest_ = EPOLLOUT;
  return true;
}

void ClientConnection::send(std::unique_ptr<PendingRequest> request) {
  assert(!request_ && (state_ == State::connecting || state_ == State::idle));
  loop_.timers().cancel(idle_timer_);
  request->connection = this;
  request_ = std::move(request);
  sent_ = 0;
  parser_.reset();
  if (state_ == State::idle) {
    state_ = State::busy;
    set_interest(EPOLLIN | EPOLLOUT);
  }
}

std::unique_ptr<PendingRequest> ClientConnection::take_request() {
  if (request_) request_->connection = nullptr;
  return std::move(request_);
}

void ClientConnection::park(std::chrono::milliseconds idle_timeout) {
  loop_.timers().schedule(idle_timer_, idle_timeout);
}

void ClientConnection::close() {
  loop_.timers().cancel(idle_timer_);
  if (transport_) {
    loop_.remove(transport_->fd());
    transport_.reset();
  }
  interest_ = 0;
  state_ = State::closed;
}

std::string_view ClientConnection::phase() const {
  switch (state_) {
    case State::connecting:
      return "connecting";
    case State::busy:
      return request_ && sent_ < request_->head.size() + request_->body.size() ? "sending the request"
                                                                               : "waiting for the response";
    case State::idle:
    case State::closed:
      break;
  }
  return "idle";
}

void ClientConnection::set_interest(uint32_t events) {
  if (events == interest_ || !transport_) return;
  // EPOLL_CTL_MOD only fails for a descriptor that is not registered, which ours always is.
  loop_.modify(transport_->fd(), events, this);
  interest_ = events;
}

void ClientConnection::on_io(uint32_t events) {
  switch (state_) {
    case State::closed:
      return;  // a stale event from the batch that was fetched before we closed
    case State::connecting:
      finish_connect();
      return;
    case State::idle: {
      // Anything on an idle connection ends it: the server's FIN (its keep-alive timeout), a reset, or
      // bytes nobody asked for (some servers send a 408 before closing). Level-triggered epoll keeps
      // reporting a pending FIN, so this cannot be missed.
      std::byte probe[1];
      const net::IoResult r = transport_->read(probe);
      if (r.status == net::IoStatus::want_read || r.status == net::IoStatus::want_write) return;
      close();
      pool_.on_idle_closed(*this);
      return;
    }
    case State::busy:
      // Read before writing: a server that answers early (a 413 while we still send) and closes must have
      // its answer read, not an EPIPE from the write reported instead.
      if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) && read_response()) return;
      if (events & (EPOLLOUT | EPOLLERR)) write_request();
      return;
  }
}

void ClientConnection::finish_connect() {
  int error = 0;
  socklen_t length = sizeof error;
  if (::getsockopt(transport_->fd(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
  if (error != 0) {
    fail(HttpClientErrorKind::connect_failed, std::string("connect: ") + std::strerror(error));
    return;
  }
  state_ = State::busy;
  write_request();  // sets the interest for what remains to do
}

void ClientConnection::write_request() {
  const std::string& head = request_->head;
  const std::string& body = request_->body;
  const size_t total = head.size() + body.size();
  while (sent_ < total) {
    iovec parts[2];
    int count = 0;
    if (sent_ < head.size()) {
      parts[count++] = {const_cast<char*>(head.data()) + sent_, head.size() - sent_};
      if (!body.empty()) parts[count++] = {const_cast<char*>(body.data()), body.size()};
    } else {
      const size_t offset = sent_ - head.size();
      parts[count++] = {const_cast<char*>(body.data()) + offset, body.size() - offset};
    }
    const net::IoResult r = transport_->writev(parts, count);
    if (r.status == net::IoStatus::want_write) {
      set_interest(EPOLLIN | EPOLLOUT);
      return;
    }
    if (r.status != net::IoStatus::ok) {
      // Usually the keep-alive race (EPIPE or ECONNRESET from a connection the server closed): retryable,
      // like a close seen by a read, when nothing of a response came.
      const std::string why = std::string("write: ") + std::strerror(transport_->last_errno());
      fail(parser_.started() ? HttpClientErrorKind::bad_response : HttpClientErrorKind::connection_lost, why);
      return;
    }
    sent_ += r.bytes;
  }
  set_interest(EPOLLIN);
}

bool ClientConnection::read_response() {
  const net::IoResult r = transport_->read(read_buffer_);
  if (r.status == net::IoStatus::want_read || r.status == net::IoStatus::want_write) return false;
  if (r.status == net::IoStatus::ok) {
    const auto parsed =
        parser_.feed(std::span<const char>(reinterpret_cast<const char*>(read_buffer_.data()), r.bytes));
    switch (parsed.status) {
      case ResponseParser::Status::need_more:
        return false;
      case ResponseParser::Status::complete:
        response_complete(parsed.consumed < r.bytes);
        return true;
      case ResponseParser::Status::malformed:
        fail(HttpClientErrorKind::bad_response, std::string(parsed.reason));
        return true;
      case ResponseParser::Status::too_large:
        fail(HttpClientErrorKind::too_large, std::string(parsed.reason));
        return true;
    }
    return false;
  }
  // End of stream or reset.
  const bool reset = r.status == net::IoStatus::error;
  const std::string why = reset ? std::string("reset: ") + std::strerror(transport_->last_errno())
                                : std::string("closed by the server");
  // Nothing received: the keep-alive race (or a server that died), which the pool may retry.
  if (!parser_.started()) {
    fail(HttpClientErrorKind::connection_lost, why + " before responding");
    return true;
  }
  // A body delimited by the end of the connection is complete at the FIN, never at a reset.
  const auto parsed = reset ? ResponseParser::Result{ResponseParser::Status::malformed} : parser_.finish();
  if (parsed.status == ResponseParser::Status::complete) {
    response_complete(false);
  } else {
    fail(HttpClientErrorKind::bad_response, "connection " + why + " mid-response");
  }
  return true;
}

void ClientConnection::response_complete(bool bytes_follow) {
  // Reuse only a connection in a known state: the server wants to keep it, it sent nothing beyond the
  // response, and it has our whole request (an early answer means it may not read the rest of it).
  const bool reusable = parser_.keep_alive() && !bytes_follow && transport_ &&
                        sent_ == request_->head.size() + request_->body.size();
  HttpResponse response = std::move(parser_.response());
  parser_.reset();
  ++exchanges_;
  if (reusable) {
    state_ = State::idle;
    set_interest(EPOLLIN);
  } else {
    close();
  }
  pool_.on_response(*this, std::move(response));
}

void ClientConnection::fail(HttpClientErrorKind kind, std::string message) {
  close();
  pool_.on_failure(*this, kind, std::move(message));
}

void ClientConnection::on_idle_timer(net::TimerNode* node) {
  auto* self = static_cast<ClientConnection*>(node->owner);
  self->close();
  self->pool_.on_idle_closed(*self);
}

}  // namespace wshub::http
