#include "HttpPublishConnection.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>

namespace wshub::bench {
namespace {

bool header_is(std::string_view line, std::string_view name) {
  if (line.size() <= name.size() || line[name.size()] != ':') return false;
  for (size_t i = 0; i < name.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return false;
  return true;
}

// The end of a chunked body that starts at `from`, or npos when incomplete. Trailers are
// not expected from the API and are not supported.
size_t chunked_end(std::string_view in, size_t from) {
  for (;;) {
    const size_t eol = in.find("\r\n", from);
    if (eol == std::string_view::npos) return std::string_view::npos;
    const size_t size = std::strtoul(std::string(in.substr(from, eol - from)).c_str(), nullptr, 16);
    if (size == 0) return in.size() >= eol + 4 ? eol + 4 : std::string_view::npos;
    from = eol + 2 + size + 2;
    if (from > in.size()) return std::string_view::npos;
  }
}

}  // namespace

HttpPublishConnection::~HttpPublishConnection() {
  close();
}

void HttpPublishConnection::close() {
  if (fd_ < 0) return;
  epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
  ::close(fd_);
  fd_ = -1;
}

std::string HttpPublishConnection::connect_to(const sockaddr_in& address, int epoll_fd) {
  epoll_fd_ = epoll_fd;
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return std::string("socket: ") + std::strerror(errno);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const std::string why = std::string("connect: ") + std::strerror(errno);
    ::close(fd_);
    fd_ = -1;
    return why;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  const int flags = fcntl(fd_, F_GETFL);
  fcntl(fd_, F_SETFL, flags | O_NONBLOCK);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_, &ev);
  watched_ = EPOLLIN;
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

void HttpPublishConnection::send(std::string request, uint32_t tag) {
  if (fd_ < 0) return;
  if (window_full()) {
    waiting_.emplace_back(std::move(request), tag);
    return;
  }
  in_flight_.push_back(tag);
  out_ += request;
  write_pending();
}

void HttpPublishConnection::write_pending() {
  size_t done = 0;
  while (done < out_.size()) {
    const ssize_t n = ::send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return fail(std::string("write: ") + std::strerror(errno));
    }
    done += static_cast<size_t>(n);
  }
  out_.erase(0, done);
  watch(out_.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
}

void HttpPublishConnection::on_event(uint32_t events) {
  if (fd_ < 0) return;
  if ((events & EPOLLOUT) && !out_.empty()) write_pending();
  if (fd_ < 0 || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  char chunk[65536];
  const ssize_t n = ::read(fd_, chunk, sizeof chunk);
  if (n == 0) return fail("the server closed the API connection");
  if (n < 0) {
    if (errno != EAGAIN && errno != EINTR) fail(std::string("read: ") + std::strerror(errno));
    return;
  }
  in_.append(chunk, static_cast<size_t>(n));
  parse_responses();
}

void HttpPublishConnection::parse_responses() {
  size_t pos = 0;
  for (;;) {
    const size_t head_end = in_.find("\r\n\r\n", pos);
    if (head_end == std::string::npos) break;
    const std::string_view head(in_.data() + pos, head_end - pos);
    if (head.substr(0, 5) != "HTTP/" || head.size() < 12) return fail("malformed HTTP response");
    const int status = std::atoi(std::string(head.substr(9, 3)).c_str());
    size_t content_length = 0;
    bool chunked = false;
    size_t line = head.find("\r\n");
    while (line != std::string_view::npos) {
      const size_t next = head.find("\r\n", line + 2);
      const std::string_view header =
          head.substr(line + 2, next == std::string_view::npos ? next : next - line - 2);
      if (header_is(header, "content-length")) content_length = std::strtoul(header.data() + 15, nullptr, 10);
      if (header_is(header, "transfer-encoding") && header.find("chunked") != std::string_view::npos)
        chunked = true;
      line = next;
    }
    size_t end = head_end + 4 + content_length;
    if (chunked) {
      end = chunked_end(in_, head_end + 4);
      if (end == std::string::npos) break;
    } else if (end > in_.size()) {
      break;
    }
    pos = end;
    if (status == 100) continue;
    if (in_flight_.empty()) return fail("a response with no request");
    const uint32_t tag = in_flight_.front();
    in_flight_.pop_front();
    events_.on_response(status, tag);
    if (fd_ < 0) return;
  }
  in_.erase(0, pos);
  while (!waiting_.empty() && !window_full()) {
    in_flight_.push_back(waiting_.front().second);
    out_ += waiting_.front().first;
    waiting_.pop_front();
  }
  if (!out_.empty()) write_pending();
}

void HttpPublishConnection::fail(std::string_view why) {
  close();
  events_.on_failed(why);
}

}  // namespace wshub::bench
