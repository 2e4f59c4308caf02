#include "broker/RedisConnection.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace wshub::broker {
namespace {

constexpr size_t kReadChunk = 64 * 1024;

bool is_push(const redisReply& reply) {
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0) return false;
  const redisReply* kind = reply.element[0];
  if (kind->type != REDIS_REPLY_STRING && kind->type != REDIS_REPLY_STATUS) return false;
  const std::string_view k(kind->str, kind->len);
  return k == "message" || k == "subscribe" || k == "unsubscribe" || k == "pong";
}

}  // namespace

RedisConnection::RedisConnection(net::EventLoop& loop, std::string name, Callbacks callbacks)
    : loop_(loop), name_(std::move(name)), callbacks_(std::move(callbacks)) {}

RedisConnection::~RedisConnection() {
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
  }
}

void RedisConnection::connect(const RedisEndpoint& endpoint, const std::string& password, int database) {
  if (state_ != State::down) return;
  password_ = password;
  database_ = database;
  endpoint_text_ = endpoint.text;
  reader_.reset(redisReaderCreate());
  out_.clear();
  out_sent_ = 0;
  connect_started_ = Clock::now();
  fd_ = ::socket(endpoint.address.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd_ < 0) {
    state_ = State::connecting;
    return close(std::string("socket: ") + std::strerror(errno));
  }
  int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  state_ = State::connecting;
  int rc = ::connect(fd_, reinterpret_cast<const sockaddr*>(&endpoint.address), endpoint.length);
  if (rc < 0 && errno != EINPROGRESS) return close(std::string("connect: ") + std::strerror(errno));
  want_write_ = true;
  if (!loop_.add(fd_, EPOLLOUT | EPOLLIN, this)) return close(std::string("epoll: ") + std::strerror(errno));
}

void RedisConnection::on_connected() {
  int error = 0;
  socklen_t len = sizeof(error);
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
  if (error != 0) return close(std::string("connect: ") + std::strerror(error));
  state_ = State::handshake;
  const uint64_t generation = generation_;
  auto check = [this, generation](const char* what) {
    return [this, generation, what](const redisReply* reply) {
      if (!reply || generation != generation_) return;
      if (reply->type == REDIS_REPLY_ERROR)
        close(std::string(what) + ": " + std::string(reply->str, reply->len));
    };
  };
  if (!password_.empty()) send_raw({"AUTH", password_}, check("AUTH"));
  if (database_ != 0) {
    const std::string db = std::to_string(database_);
    send_raw({"SELECT", db}, check("SELECT"));
  }
  // The handshake ends with a PING so that on_ready runs after AUTH and SELECT succeeded.
  send_raw({"PING"}, [this, generation](const redisReply* reply) {
    if (!reply || generation != generation_ || state_ != State::handshake) return;
    if (reply->type == REDIS_REPLY_ERROR) return close("PING: " + std::string(reply->str, reply->len));
    state_ = State::ready;
    if (callbacks_.on_ready) callbacks_.on_ready();
  });
  flush();
}

void RedisConnection::send(const std::vector<std::string_view>& args, ReplyHandler on_reply) {
  if (state_ != State::ready) {
    if (on_reply) on_reply(nullptr);
    return;
  }
  send_raw(args, std::move(on_reply));
}

void RedisConnection::send_raw(const std::vector<std::string_view>& args, ReplyHandler on_reply) {
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  argv.reserve(args.size());
  lengths.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lengths.push_back(a.size());
  }
  char* command = nullptr;
  int n = redisFormatCommandArgv(&command, static_cast<int>(args.size()), argv.data(), lengths.data());
  if (n < 0) {
    if (on_reply) on_reply(nullptr);
    return;
  }
  out_.append(command, static_cast<size_t>(n));
  redisFreeCommand(command);
  // A push handler's commands (SUBSCRIBE) are answered by pushes, not by a reply in the FIFO.
  if (on_reply) pending_.push_back({std::move(on_reply), Clock::now()});
}

void RedisConnection::flush() {
  if (fd_ < 0 || state_ == State::connecting || state_ == State::down) return;
  while (out_sent_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_sent_, out_.size() - out_sent_, MSG_NOSIGNAL);
    if (n > 0) {
      out_sent_ += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    return close(std::string("write: ") + std::strerror(errno));
  }
  if (out_sent_ == out_.size()) {
    out_.clear();
    out_sent_ = 0;
  } else if (out_sent_ > kReadChunk) {
    out_.erase(0, out_sent_);
    out_sent_ = 0;
  }
  update_interest();
}

void RedisConnection::update_interest() {
  const bool want = !out_.empty();
  if (want == want_write_ || fd_ < 0) return;
  want_write_ = want;
  loop_.modify(fd_, EPOLLIN | (want ? EPOLLOUT : 0u), this);
}

void RedisConnection::on_io(uint32_t events) {
  if (state_ == State::connecting) {
    if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) on_connected();
    return;
  }
  if (events & EPOLLIN) read_replies();
  if (state_ == State::down) return;
  if (events & (EPOLLERR | EPOLLHUP)) return close("connection lost");
  if (events & EPOLLOUT) flush();
}

void RedisConnection::read_replies() {
  char buffer[kReadChunk];
  const uint64_t generation = generation_;
  for (;;) {
    ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    if (n == 0) return close("closed by the server");
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      return close(std::string("read: ") + std::strerror(errno));
    }
    if (redisReaderFeed(reader_.get(), buffer, static_cast<size_t>(n)) != REDIS_OK) {
      return close("protocol error");
    }
    for (;;) {
      void* reply = nullptr;
      if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) return close("protocol error");
      if (!reply) break;
      dispatch(static_cast<redisReply*>(reply));
      if (generation != generation_) return;  // a handler closed the connection
    }
    if (static_cast<size_t>(n) < sizeof(buffer)) return;
  }
}

void RedisConnection::dispatch(redisReply* reply) {
  std::unique_ptr<redisReply, void (*)(void*)> owned(reply, freeReplyObject);
  if (callbacks_.on_push && is_push(*reply)) {
    callbacks_.on_push(*reply);
    return;
  }
  if (pending_.empty()) return close("unexpected reply");
  ReplyHandler handler = std::move(pending_.front().handler);
  pending_.pop_front();
  handler(reply);
}

void RedisConnection::check_timeout(Clock::time_point now, std::chrono::milliseconds timeout) {
  if (state_ == State::down) return;
  if (state_ == State::connecting && now - connect_started_ > timeout) return close("connect timeout");
  if (!pending_.empty() && now - pending_.front().sent_at > timeout) return close("reply timeout");
}

void RedisConnection::close(const std::string& why) {
  if (state_ == State::down) return;
  ++generation_;
  state_ = State::down;
  if (fd_ >= 0) {
    loop_.remove(fd_);
    ::close(fd_);
    fd_ = -1;
  }
  want_write_ = false;
  out_.clear();
  out_sent_ = 0;
  std::deque<Pending> failed;
  failed.swap(pending_);
  for (Pending& p : failed) p.handler(nullptr);
  if (callbacks_.on_down) callbacks_.on_down(name_ + " connection to " + endpoint_text_ + ": " + why);
}

std::optional<RedisEndpoint> resolve_redis_endpoint(const std::string& address, std::string& error) {
  std::string host;
  std::string port;
  if (!address.empty() && address[0] == '[') {
    const size_t end = address.find(']');
    if (end == std::string::npos || end + 1 >= address.size() || address[end + 1] != ':') {
      error = "expected [ipv6]:port, got '" + address + "'";
      return std::nullopt;
    }
    host = address.substr(1, end - 1);
    port = address.substr(end + 2);
  } else {
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0 || colon + 1 == address.size()) {
      error = "expected host:port, got '" + address + "'";
      return std::nullopt;
    }
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (int rc = ::getaddrinfo(host.c_str(), port.c_str(), &hints, &found); rc != 0 || !found) {
    error = "cannot resolve '" + address + "': " + gai_strerror(rc);
    return std::nullopt;
  }
  RedisEndpoint endpoint;
  std::memcpy(&endpoint.address, found->ai_addr, found->ai_addrlen);
  endpoint.length = found->ai_addrlen;
  endpoint.text = address;
  ::freeaddrinfo(found);
  return endpoint;
}

}  // namespace wshub::broker
