#include "WebSocketConnection.h"

#include <netdb.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "http/Handshake.h"
#include "net/PlainTransport.h"
#include "net/TlsTransport.h"
#include "ws/CloseCode.h"
#include "ws/FrameBuilder.h"

namespace wshub::client {

namespace {

constexpr size_t kReadChunk = 16384;
constexpr size_t kMaxResponseHead = 16384;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Checks the server's answer to the upgrade (§4.2.2, §4.1 "the client MUST ..."): nullptr when
// it accepts, else what is wrong.
const char* check_response(std::string_view head, std::string_view key) {
  const size_t eol = head.find("\r\n");
  const std::string_view status = head.substr(0, eol);
  if (status.substr(0, 9) != "HTTP/1.1 " || status.size() < 12) return "malformed status line";
  if (status.substr(9, 3) != "101") return "the server refused the upgrade";
  const std::string expected = http::compute_accept_key(key);
  bool accept_ok = false, upgrade_ok = false;
  size_t pos = eol + 2;
  while (pos < head.size()) {
    const size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos || end == pos) break;
    const std::string_view line = head.substr(pos, end - pos);
    pos = end + 2;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "malformed header line";
    const std::string_view name = trim(line.substr(0, colon));
    const std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "Sec-WebSocket-Accept")) accept_ok = value == expected;
    if (iequals(name, "Upgrade")) upgrade_ok = iequals(value, "websocket");
    if (iequals(name, "Sec-WebSocket-Extensions")) return "the server negotiated an extension not offered";
    if (iequals(name, "Sec-WebSocket-Protocol") && value != "wshub.json") return "unexpected subprotocol";
  }
  if (!upgrade_ok) return "missing Upgrade: websocket";
  if (!accept_ok) return "missing or wrong Sec-WebSocket-Accept";
  return nullptr;
}

}  // namespace

WebSocketConnection::WebSocketConnection(net::EventLoop& loop, ConnectionEvents& events, SSL_CTX* tls,
                                         size_t max_message_size)
    : loop_(loop),
      events_(events),
      tls_(tls),
      reader_(*this, ws::Role::client, ws::ReaderLimits{max_message_size, max_message_size}) {}

WebSocketConnection::~WebSocketConnection() {
  if (registered_) loop_.remove(transport_ ? transport_->fd() : fd_);
  if (!transport_ && fd_ >= 0) ::close(fd_);
}

bool WebSocketConnection::start(const WsUrl& url, std::string& error) {
  url_ = url;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port = std::to_string(url.port);
  if (int rc = ::getaddrinfo(url.host.c_str(), port.c_str(), &hints, &found); rc != 0) {
    error = "resolve " + url.host + ": " + gai_strerror(rc);
    return false;
  }
  fd_ = ::socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int rc = fd_ < 0 ? -1 : ::connect(fd_, found->ai_addr, found->ai_addrlen);
  const int err = errno;
  ::freeaddrinfo(found);
  if (fd_ < 0 || (rc != 0 && err != EINPROGRESS)) {
    error = std::string("connect: ") + std::strerror(err);
    return false;
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  // Writability reports the outcome of the connect (SO_ERROR), done or not.
  state_ = State::connecting;
  if (!loop_.add(fd_, EPOLLOUT, this)) {
    error = std::string("epoll: ") + std::strerror(errno);
    return false;
  }
  registered_ = true;
  return true;
}

void WebSocketConnection::on_io(uint32_t events) {
  if (failed_) return finish(ws::close_code::abnormal, failure_);
  in_io_ = true;
  struct Leave {
    bool& flag;
    ~Leave() { flag = false; }
  } leave{in_io_};
  switch (state_) {
    case State::connecting:
      finish_connect();
      return;
    case State::tls:
      drive_tls();
      return;
    case State::upgrading:
    case State::open:
      if (events & EPOLLOUT) flush();
      if (state_ == State::closed) return;
      if (events & (EPOLLIN | EPOLLERR | EPOLLHUP | EPOLLRDHUP)) read_available();
      return;
    default:
      return;
  }
}

void WebSocketConnection::finish_connect() {
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) return fail(std::string("connect: ") + std::strerror(err));
  if (url_.secure) {
    transport_ = std::make_unique<net::TlsTransport>(fd_, tls_, url_.host);
    state_ = State::tls;
    drive_tls();
  } else {
    transport_ = std::make_unique<net::PlainTransport>(fd_);
    send_upgrade();
  }
}

void WebSocketConnection::drive_tls() {
  const net::IoResult r = transport_->handshake();
  if (r.status == net::IoStatus::ok) return send_upgrade();
  if (r.status == net::IoStatus::want_read || r.status == net::IoStatus::want_write) {
    loop_.modify(transport_->fd(), r.status == net::IoStatus::want_read ? EPOLLIN : EPOLLOUT, this);
    return;
  }
  const auto* tls = static_cast<net::TlsTransport*>(transport_.get());
  fail("TLS handshake: " + std::string(tls->last_error()));
}

void WebSocketConnection::send_upgrade() {
  unsigned char raw[16];
  RAND_bytes(raw, sizeof raw);
  key_.assign(24, '\0');
  EVP_EncodeBlock(reinterpret_cast<unsigned char*>(key_.data()), raw, sizeof raw);
  out_.append("GET ").append(url_.path).append(" HTTP/1.1\r\nHost: ").append(host_header(url_));
  out_.append("\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ").append(key_);
  out_.append("\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: wshub.json\r\n\r\n");
  state_ = State::upgrading;
  flush();
  if (state_ != State::closed) update_interest();
}

void WebSocketConnection::update_interest() {
  loop_.modify(transport_->fd(), EPOLLIN | EPOLLRDHUP | (want_write_ ? EPOLLOUT : 0u), this);
}

void WebSocketConnection::flush() {
  const bool wanted = want_write_;
  want_write_ = false;
  while (!out_.empty()) {
    iovec part{out_.data(), out_.size()};
    const net::IoResult r = transport_->writev(&part, 1);
    if (r.status == net::IoStatus::ok) {
      out_.erase(0, r.bytes);
      continue;
    }
    if (r.status == net::IoStatus::want_write || r.status == net::IoStatus::want_read) {
      want_write_ = true;  // a TLS write wanting a read is retried on the next readiness too
      break;
    }
    return fail("write failed");
  }
  if (wanted != want_write_) update_interest();
}

void WebSocketConnection::read_available() {
  for (;;) {
    const size_t old = in_.size();
    in_.resize(old + kReadChunk);
    const net::IoResult r = transport_->read(std::span(in_.data() + old, kReadChunk));
    in_.resize(old + (r.status == net::IoStatus::ok ? r.bytes : 0));
    if (r.status == net::IoStatus::want_read || r.status == net::IoStatus::want_write) return;
    if (r.status != net::IoStatus::ok)
      return fail(r.status == net::IoStatus::closed ? "connection closed by the server" : "read failed");
    if (state_ == State::upgrading) {
      head_.append(reinterpret_cast<const char*>(in_.data()), in_.size());
      in_.clear();
      const size_t end = head_.find("\r\n\r\n");
      if (end == std::string::npos) {
        if (head_.size() > kMaxResponseHead) return fail("upgrade response too large");
        continue;
      }
      if (const char* wrong = check_response(std::string_view(head_).substr(0, end + 2), key_))
        return fail(wrong);
      // Frames may follow the head in the same read.
      const std::string_view rest = std::string_view(head_).substr(end + 4);
      in_.assign(reinterpret_cast<const std::byte*>(rest.data()),
                 reinterpret_cast<const std::byte*>(rest.data()) + rest.size());
      head_.clear();
      state_ = State::open;
      events_.on_ws_open();
      if (state_ != State::open) return;
    }
    const size_t used = reader_.feed(std::span(in_.data(), in_.size()));
    in_.erase(in_.begin(), in_.begin() + static_cast<ptrdiff_t>(used));
    if (closing_) return finish(close_code_, close_reason_);
    if (state_ != State::open) return;
  }
}

void WebSocketConnection::append_frame(ws::Opcode opcode, std::span<const std::byte> payload) {
  // §5.3: a fresh, unpredictable key for every frame, so that a script cannot choose the bytes
  // an intermediary sees.
  std::array<std::byte, 4> mask;
  RAND_bytes(reinterpret_cast<unsigned char*>(mask.data()), 4);
  ws::append_frame(out_, opcode, payload, true, false, &mask);
}

void WebSocketConnection::send_text(std::string_view text) {
  if (state_ != State::open || close_sent_ || failed_) return;
  append_frame(ws::Opcode::text, std::as_bytes(std::span(text.data(), text.size())));
  flush();
}

void WebSocketConnection::close(uint16_t code, std::string_view reason) {
  if (state_ == State::closed) return;
  if (state_ == State::open && !close_sent_) {
    const std::string payload = ws::close_payload(code, reason);
    append_frame(ws::Opcode::close, std::as_bytes(std::span(payload.data(), payload.size())));
    close_sent_ = true;
    flush();
    if (state_ == State::closed) return;
    transport_->shutdown_write();
  }
  finish(code, std::string(reason));
}

void WebSocketConnection::on_message(ws::Opcode opcode, std::span<const std::byte> payload) {
  if (closing_ || state_ != State::open || opcode != ws::Opcode::text) return;  // wshub.json is text only
  events_.on_ws_message(std::string_view(reinterpret_cast<const char*>(payload.data()), payload.size()));
}

void WebSocketConnection::on_ping(std::span<const std::byte> payload) {
  if (close_sent_) return;
  append_frame(ws::Opcode::pong, payload);
  flush();
}

void WebSocketConnection::on_close(uint16_t code, std::string_view reason) {
  // §5.5.1: answer with a close frame (echoing the code), then the server closes TCP.
  if (!close_sent_ && state_ == State::open) {
    const std::string payload =
        ws::close_payload(code == ws::close_code::no_status ? ws::close_code::normal : code, {});
    append_frame(ws::Opcode::close, std::as_bytes(std::span(payload.data(), payload.size())));
    close_sent_ = true;
    flush();
  }
  closing_ = true;
  close_code_ = code;
  close_reason_ = std::string(reason);
  reader_.stop();
}

void WebSocketConnection::on_error(uint16_t close_code, std::string_view why) {
  if (!close_sent_ && state_ == State::open) {
    const std::string payload = ws::close_payload(close_code, why);
    append_frame(ws::Opcode::close, std::as_bytes(std::span(payload.data(), payload.size())));
    close_sent_ = true;
    flush();
  }
  closing_ = true;
  close_code_ = ws::close_code::abnormal;
  close_reason_ = "protocol error from the server: " + std::string(why);
  reader_.stop();
}

void WebSocketConnection::fail(const std::string& why) {
  finish(ws::close_code::abnormal, why);
}

void WebSocketConnection::finish(uint16_t code, const std::string& reason) {
  if (state_ == State::closed) return;
  state_ = State::closed;
  reader_.stop();  // frames after a close (or after the owner closed from a callback) are dropped
  if (registered_) {
    loop_.remove(transport_ ? transport_->fd() : fd_);
    registered_ = false;
  }
  events_.on_ws_closed(code, reason);
}

}  // namespace wshub::client
