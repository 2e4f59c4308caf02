#include "ClientConnection.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "Handshake.h"
#include "ws/CloseCode.h"
#include "ws/Opcode.h"

namespace wshub::bench {
namespace {

constexpr size_t kMaxResponseHead = 16 * 1024;

std::string tls_error(const char* what) {
  char reason[256] = "unknown";
  if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  return std::string(what) + ": " + reason;
}

}  // namespace

uint64_t monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000u + static_cast<uint64_t>(ts.tv_nsec);
}

in_addr_t source_address(uint64_t n, int sources) {
  return htonl(static_cast<in_addr_t>(0x7f000001u + n % static_cast<uint64_t>(sources)));
}

SSL_CTX* make_client_tls_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) return nullptr;
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  return ctx;
}

ClientConnection::~ClientConnection() {
  if (ssl_) SSL_free(ssl_);
  if (fd_ >= 0) ::close(fd_);
}

bool ClientConnection::start(const DialTarget& target, ClientEvents& events, int epoll_fd, uint64_t number) {
  target_ = &target;
  events_ = &events;
  epoll_fd_ = epoll_fd;
  ws::ReaderLimits limits;
  limits.max_message_size = target.max_message_size;
  limits.max_frame_size = target.max_message_size;
  if (reader_) {
    reader_->reset();
  } else {
    reader_ = std::make_unique<ws::MessageReader>(static_cast<ws::MessageHandler&>(*this), ws::Role::client,
                                                  limits);
  }
  carry_size_ = 0;
  pending_.clear();
  close_seen_ = false;
  uint32_t seed = static_cast<uint32_t>(number * 2654435761u) | 1u;
  seed ^= seed << 13;
  seed ^= seed >> 17;
  seed ^= seed << 5;
  std::memcpy(mask_key_.data(), &seed, sizeof seed);
  UpgradeRequest request = make_upgrade_request(target.host_header, target.path, number + 1, target.headers);
  handshake_ = std::move(request.bytes);
  key_ = std::move(request.key);

  state_ = State::connecting;
  fd_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    finish(false, std::string("socket: ") + std::strerror(errno));
    return false;
  }
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (target.sources > 1) {
    // The port is chosen at connect() time, per destination, instead of at bind() time
    // from the (address-wide) pool: without this, bind would cap every source address
    // at ~28k connections in total rather than per destination.
    setsockopt(fd_, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in source{};
    source.sin_family = AF_INET;
    source.sin_addr.s_addr = source_address(number, target.sources);
    if (bind(fd_, reinterpret_cast<const sockaddr*>(&source), sizeof source) != 0) {
      finish(false, std::string("bind: ") + std::strerror(errno));
      return false;
    }
  }
  if (connect(fd_, reinterpret_cast<const sockaddr*>(&target.address), sizeof target.address) != 0 &&
      errno != EINPROGRESS) {
    finish(false, std::string("connect: ") + std::strerror(errno));
    return false;
  }
  epoll_event ev{};
  ev.events = EPOLLOUT;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd_, &ev);
  watched_ = EPOLLOUT;
  return true;
}

void ClientConnection::watch(uint32_t events) {
  if (events == watched_ || fd_ < 0) return;
  epoll_event ev{};
  ev.events = events;
  ev.data.ptr = this;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &ev);
  watched_ = events;
}

void ClientConnection::on_event(uint32_t events, ReadBuffer& buffer) {
  switch (state_) {
    case State::idle:
    case State::closed:
      return;
    case State::connecting:
      if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected();
      return;
    case State::tls_handshake:
      continue_tls_handshake();
      return;
    case State::upgrading:
    case State::open:
    case State::closing:
      break;
  }
  if ((events & EPOLLOUT) && !pending_.empty()) flush();
  if (state_ == State::closed || !(events & (EPOLLIN | EPOLLERR | EPOLLHUP))) return;
  on_readable(buffer);
}

void ClientConnection::on_connected() {
  int error = 0;
  socklen_t len = sizeof error;
  getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return finish(false, std::string("connect: ") + std::strerror(error));
  if (!target_->tls) return send_upgrade_request();
  ssl_ = SSL_new(target_->tls);
  if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1) return finish(false, tls_error("SSL_new"));
  SSL_set_connect_state(ssl_);
  state_ = State::tls_handshake;
  continue_tls_handshake();
}

void ClientConnection::continue_tls_handshake() {
  ERR_clear_error();
  const int rc = SSL_do_handshake(ssl_);
  if (rc == 1) return send_upgrade_request();
  switch (SSL_get_error(ssl_, rc)) {
    case SSL_ERROR_WANT_READ:
      return watch(EPOLLIN);
    case SSL_ERROR_WANT_WRITE:
      return watch(EPOLLOUT);
    default:
      return finish(false, tls_error("TLS handshake"));
  }
}

void ClientConnection::send_upgrade_request() {
  state_ = State::upgrading;
  pending_ = std::move(handshake_);
  handshake_.clear();
  flush();
  if (state_ != State::closed) watch(pending_.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
}

ssize_t ClientConnection::write_some(const char* data, size_t size) {
  if (ssl_) {
    ERR_clear_error();
    size_t written = 0;
    const int rc = SSL_write_ex(ssl_, data, size, &written);
    if (rc == 1) return static_cast<ssize_t>(written);
    const int error = SSL_get_error(ssl_, rc);
    if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) return 0;
    finish(false, tls_error("TLS write"));
    return -1;
  }
  const ssize_t sent = ::send(fd_, data, size, MSG_NOSIGNAL);
  if (sent >= 0) return sent;
  if (errno == EAGAIN || errno == EINTR) return 0;
  finish(false, std::string("write: ") + std::strerror(errno));
  return -1;
}

void ClientConnection::flush() {
  size_t done = 0;
  while (done < pending_.size()) {
    const ssize_t n = write_some(pending_.data() + done, pending_.size() - done);
    if (n < 0) return;  // closed
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  pending_.erase(0, done);
  watch(pending_.empty() ? EPOLLIN : EPOLLIN | EPOLLOUT);
}

void ClientConnection::send_raw(std::string_view bytes) {
  if (state_ != State::open && state_ != State::closing && state_ != State::upgrading) return;
  if (!pending_.empty()) {
    pending_.append(bytes);
    return;
  }
  const ssize_t n = write_some(bytes.data(), bytes.size());
  if (n < 0) return;
  if (static_cast<size_t>(n) == bytes.size()) return;
  pending_.append(bytes.substr(static_cast<size_t>(n)));
  watch(EPOLLIN | EPOLLOUT);
}

void ClientConnection::send_message(std::string_view payload, bool binary) {
  std::string frame;
  ws::append_frame(frame, binary ? ws::Opcode::binary : ws::Opcode::text,
                   {reinterpret_cast<const std::byte*>(payload.data()), payload.size()}, true, false,
                   &mask_key_);
  send_raw(frame);
}

void ClientConnection::close_gracefully() {
  if (state_ == State::closing || state_ == State::closed || state_ == State::idle) return;
  if (state_ != State::open) return abort("closed before the upgrade completed");
  const std::string payload = ws::close_payload(ws::close_code::normal, "");
  std::string frame;
  ws::append_frame(frame, ws::Opcode::close,
                   {reinterpret_cast<const std::byte*>(payload.data()), payload.size()}, true, false,
                   &mask_key_);
  state_ = State::closing;
  send_raw(frame);
}

void ClientConnection::abort(std::string_view why) {
  finish(false, why);
}

ssize_t ClientConnection::read_some(std::byte* into, size_t size) {
  auto on_eof = [this] {
    if (state_ == State::closing) {
      finish(close_seen_, close_seen_ ? "" : "server closed TCP without a close frame");
    } else {
      finish(false,
             close_seen_ ? "server closed the connection (close frame)" : "server closed the connection");
    }
    return ssize_t{-1};
  };
  if (ssl_) {
    ERR_clear_error();
    size_t got = 0;
    const int rc = SSL_read_ex(ssl_, into, size, &got);
    if (rc == 1) return static_cast<ssize_t>(got);
    switch (SSL_get_error(ssl_, rc)) {
      case SSL_ERROR_WANT_READ:
        return 0;
      case SSL_ERROR_WANT_WRITE:
        watch(EPOLLIN | EPOLLOUT);
        return 0;
      case SSL_ERROR_ZERO_RETURN:
        return on_eof();
      case SSL_ERROR_SYSCALL:
        if (errno == 0 || errno == ECONNRESET) return on_eof();
        finish(false, std::string("TLS read: ") + std::strerror(errno));
        return -1;
      default:
        finish(false, tls_error("TLS read"));
        return -1;
    }
  }
  const ssize_t got = ::read(fd_, into, size);
  if (got > 0) return got;
  if (got == 0) return on_eof();
  if (errno == EAGAIN || errno == EINTR) return 0;
  if (errno == ECONNRESET && state_ == State::closing && close_seen_) return on_eof();
  finish(false, std::string("read: ") + std::strerror(errno));
  return -1;
}

void ClientConnection::on_readable(ReadBuffer& buffer) {
  // Plain TCP: one read per event (level-triggered epoll reports the rest). TLS: read
  // until OpenSSL needs the socket again, since decrypted bytes it holds raise no event.
  for (;;) {
    std::byte* const into = buffer.data();
    const ssize_t got = read_some(into, ReadBuffer::kSize);
    if (got <= 0) return;
    const uint64_t now = monotonic_ns();
    if (state_ == State::upgrading) {
      on_handshake_bytes(into, static_cast<size_t>(got), buffer, now);
    } else {
      on_frames(into, static_cast<size_t>(got), now);
    }
    if (state_ == State::closed || !ssl_) return;
  }
}

void ClientConnection::on_handshake_bytes(const std::byte* data, size_t size, ReadBuffer& buffer,
                                          uint64_t now) {
  handshake_.append(reinterpret_cast<const char*>(data), size);
  const size_t end = handshake_.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (handshake_.size() > kMaxResponseHead) finish(false, "upgrade response head too large");
    return;
  }
  if (const char* why = check_upgrade_response(std::string_view(handshake_).substr(0, end + 4), key_)) {
    const size_t line_end = handshake_.find("\r\n");
    return finish(false,
                  std::string("upgrade refused: ") + why + " (" + handshake_.substr(0, line_end) + ")");
  }
  // Bytes after the head are frames; they came from the buffer, so they fit back in it.
  const size_t rest = handshake_.size() - (end + 4);
  std::memcpy(buffer.data(), handshake_.data() + end + 4, rest);
  handshake_ = std::string();
  key_ = std::string();
  state_ = State::open;
  events_->on_open(*this, now);
  if (rest > 0 && state_ != State::closed) on_frames(buffer.data(), rest, now);
}

void ClientConnection::on_frames(std::byte* data, size_t size, uint64_t now) {
  data -= carry_size_;  // the buffer's headroom takes the carried partial header
  std::memcpy(data, carry_.data(), carry_size_);
  size += carry_size_;
  now_ = now;
  const size_t consumed = reader_->feed({data, size});
  if (state_ == State::closed) return;
  carry_size_ = size - consumed;  // < kMaxFrameHeaderSize: a partial header
  std::memcpy(carry_.data(), data + consumed, carry_size_);
}

void ClientConnection::on_message(ws::Opcode, std::span<const std::byte> payload) {
  if (state_ != State::open && state_ != State::closing) return;
  events_->on_message(*this, {reinterpret_cast<const char*>(payload.data()), payload.size()}, now_);
  if (state_ == State::closed) reader_->stop();
}

void ClientConnection::on_ping(std::span<const std::byte> payload) {
  std::string frame;
  ws::append_frame(frame, ws::Opcode::pong, payload, true, false, &mask_key_);
  send_raw(frame);
}

void ClientConnection::on_close(uint16_t code, std::string_view reason) {
  close_seen_ = true;
  if (state_ == State::closing) return;  // our close, answered: the server closes TCP next
  // The server's close: answer it (§5.5.1) and wait for its FIN.
  const std::string payload =
      ws::close_payload(code == ws::close_code::no_status ? ws::close_code::normal : code, "");
  std::string frame;
  ws::append_frame(frame, ws::Opcode::close,
                   {reinterpret_cast<const std::byte*>(payload.data()), payload.size()}, true, false,
                   &mask_key_);
  send_raw(frame);
  if (state_ == State::closed) return;
  finish(false, "server closed the connection with code " + std::to_string(code) +
                    (reason.empty() ? "" : " (" + std::string(reason) + ")"));
}

void ClientConnection::on_error(uint16_t, std::string_view why) {
  finish(false, "protocol error: " + std::string(why));
}

void ClientConnection::finish(bool clean, std::string_view why) {
  // Idle: never started (no socket, no owner to tell); closed: told already.
  if (state_ == State::closed || (state_ == State::idle && fd_ < 0 && !events_)) return;
  state_ = State::closed;
  if (reader_) reader_->stop();
  if (fd_ >= 0) {
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
    if (ssl_) {
      SSL_free(ssl_);
      ssl_ = nullptr;
    }
    ::close(fd_);
    fd_ = -1;
  }
  watched_ = 0;
  pending_ = std::string();
  handshake_ = std::string();
  events_->on_closed(*this, clean, why);
}

}  // namespace wshub::bench
