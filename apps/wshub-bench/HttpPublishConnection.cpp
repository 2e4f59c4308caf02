#include "HttpPublishConnection.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

namespace wshub::bench {
namespace {

constexpr uint64_t kRetryConnectNs = 100'000'000;

}  // namespace

HttpPublishConnection::~HttpPublishConnection() {
  close();
}

void HttpPublishConnection::close() {
  if (fd_ < 0) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
  ::close(fd_);
  fd_ = -1;
  watched_ = 0;
}

std::string HttpPublishConnection::connect_to(const sockaddr_in& address, int epoll_fd) {
  address_ = address;
  epoll_fd_ = epoll_fd;
  return open_socket();
}

std::string HttpPublishConnection::open_socket() {
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_), sizeof address_) != 0) {
    const std::string why = std::string("connect: ") + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return why;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_, &ev);
  watched_ = EPOLLIN;
  down_since_ns_ = 0;
  return {};
}

void HttpPublishConnection::watch(uint32_t events) {
  if (events == watched_ || fd_ < 0) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &ev);
  watched_ = events;
}

void HttpPublishConnection::send(PendingPublish p, uint64_t now_ns) {
  if (failed_) return;
  stream_.enqueue(std::move(p));
  pump(now_ns);
}

void HttpPublishConnection::pump(uint64_t now_ns) {
  if (fd_ < 0) return;
  stream_.fill_window(now_ns);
  write_pending();
}

void HttpPublishConnection::write_pending() {
  while (fd_ >= 0 && !stream_.output().empty()) {
    const std::string_view out = stream_.output();
    const ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) break;
      // The reading side sees the same failure (or EOF) and ends the connection there, after
      // the responses that did arrive.
      watch(EPOLLIN);
      return;
    }
    stream_.wrote(static_cast<size_t>(n));
  }
  watch(stream_.output().empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
}

void HttpPublishConnection::on_event(uint32_t events, uint64_t now_ns) {
  if (fd_ < 0) return;
  if (events & EPOLLOUT) write_pending();
  if (fd_ < 0 || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  char chunk[65536];
  const ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n < 0) {
    if (errno == EAGAIN || errno == EINTR) return;
    // Responses already parsed were handled; what is on the connection is sent again.
    return end_connection(std::string("read: ") + std::strerror(errno), true, now_ns);
  }
  if (n == 0) return handle(stream_.finish(), now_ns);
  handle(stream_.feed({chunk, static_cast<size_t>(n)}), now_ns);
}

void HttpPublishConnection::handle(HttpPublishStream::FeedResult result, uint64_t now_ns) {
  for (const HttpAnswer& answer : result.answers) events_.on_answer(answer);
  if (result.close) {
    // An orderly close with requests on the connection still means those had no answer.
    const bool error = result.error || stream_.in_flight() > 0;
    return end_connection(result.why, error, now_ns);
  }
  pump(now_ns);
}

void HttpPublishConnection::end_connection(std::string_view why, bool error, uint64_t now_ns) {
  close();
  const std::string reason(why);
  for (const PendingPublish& p : stream_.connection_ended()) events_.on_given_up(p, reason);
  events_.on_connection_ended(reason, error);
  down_since_ns_ = now_ns;
  next_try_ns_ = now_ns;
  tick(now_ns);
}

void HttpPublishConnection::tick(uint64_t now_ns) {
  if (fd_ >= 0 || failed_ || epoll_fd_ < 0 || now_ns < next_try_ns_) return;
  last_connect_error_ = open_socket();
  if (last_connect_error_.empty()) return pump(now_ns);
  if (now_ns - down_since_ns_ > static_cast<uint64_t>(kGiveUpSeconds * 1e9)) {
    failed_ = true;
    return events_.on_failed("the API connection could not be made again: " + last_connect_error_);
  }
  next_try_ns_ = now_ns + kRetryConnectNs;
}

}  // namespace wshub::bench
