#include "net/PlainTransport.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <climits>

namespace wshub::net {

PlainTransport::~PlainTransport() {
  if (fd_ >= 0) ::close(fd_);
}

IoResult PlainTransport::fail(int err) {
  last_errno_ = err;
  return {IoStatus::error, 0};
}

IoResult PlainTransport::read(std::span<std::byte> into) {
  // recv() of 0 bytes returns 0, which would read as end of stream.
  assert(!into.empty());
  for (;;) {
    ssize_t n = ::recv(fd_, into.data(), into.size(), 0);
    if (n > 0) return {IoStatus::ok, static_cast<size_t>(n)};
    if (n == 0) return {IoStatus::closed, 0};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::want_read, 0};
    return fail(errno);
  }
}

IoResult PlainTransport::writev(const iovec* parts, int count) {
  // One part is the common case (a fan-out delivery, an echo, a single queued frame):
  // send() skips the kernel's msghdr and iovec import that sendmsg() pays for, and
  // testing for it first skips the msghdr set-up and the length loop below, about a
  // twentieth of a delivery's user-space instructions when every delivery is its own
  // write (docs/performance.md, "Fan-out: user-space instructions per delivery").
  if (count == 1) {
    if (parts[0].iov_len == 0) return {IoStatus::ok, 0};
    for (;;) {
      ssize_t n = ::send(fd_, parts[0].iov_base, parts[0].iov_len, MSG_NOSIGNAL);
      if (n >= 0) return {IoStatus::ok, static_cast<size_t>(n)};
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::want_write, 0};
      return fail(errno);
    }
  }
  msghdr msg{};
  msg.msg_iov = const_cast<iovec*>(parts);
  msg.msg_iovlen = static_cast<size_t>(std::clamp(count, 0, IOV_MAX));  // EMSGSIZE beyond IOV_MAX
  size_t total = 0;
  for (size_t i = 0; i < msg.msg_iovlen; ++i) total += parts[i].iov_len;
  if (total == 0) return {IoStatus::ok, 0};
  for (;;) {
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n >= 0) return {IoStatus::ok, static_cast<size_t>(n)};
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return {IoStatus::want_write, 0};
    return fail(errno);
  }
}

void PlainTransport::shutdown_write() {
  ::shutdown(fd_, SHUT_WR);
}

}  // namespace wshub::net
