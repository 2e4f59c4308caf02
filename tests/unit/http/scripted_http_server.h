#pragma once
// A scripted HTTP/1.1 origin on 127.0.0.1 for the HTTP client tests: blocking sockets, an accept thread and
// one thread per connection, so the client under test (on the test thread's event loop) meets a real,
// independent TCP peer. Each request read is handed to the script, which decides the exact bytes of the
// answer, when, in what pieces, and whether the connection then closes. Counters let tests check pooling:
// connections accepted, connections open at once (the most ever), requests received.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace wshub::http::testing {

class ScriptedHttpServer {
 public:
  struct Request {
    std::string head;  // request line and headers, up to and including the empty line
    std::string body;
    int connection = 0;  // index of the connection in accept order
    int index = 0;       // index of the request on its connection
  };
  struct Reply {
    std::string bytes;                   // written verbatim
    std::chrono::milliseconds delay{0};  // before writing
    size_t piece = 0;                    // write in pieces of this size, 1 ms apart (0: at once)
    bool close_after = false;            // close the connection after writing
    bool drop = false;                   // close the connection without writing anything
  };
  using Script = std::function<Reply(const Request&)>;

  static Reply ok(std::string body, std::string content_type = "application/json") {
    return {"HTTP/1.1 200 OK\r\nContent-Type: " + content_type +
            "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body};
  }

  // Closes the connection without answering.
  static Reply drop() {
    Reply reply;
    reply.drop = true;
    return reply;
  }

  explicit ScriptedHttpServer(Script script) : script_(std::move(script)) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listen_fd_, 64) != 0 ||
        ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      std::abort();
    }
    port_ = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~ScriptedHttpServer() {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
      for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    }
    wake_.notify_all();
    ::shutdown(listen_fd_, SHUT_RDWR);
    acceptor_.join();
    ::close(listen_fd_);
    for (std::thread& t : handlers_) t.join();
  }

  uint16_t port() const { return port_; }
  std::string url(std::string_view path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }
  int connections_accepted() const { return accepted_.load(); }
  int open_now() const { return open_.load(); }
  int max_open_at_once() const { return max_open_.load(); }
  int requests_received() const { return requests_.load(); }
  std::vector<Request> received() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return received_;
  }

 private:
  void accept_loop() {
    for (;;) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) return;  // shut down
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) {
        ::close(fd);
        return;
      }
      const int open = ++open_;
      int seen = max_open_.load();
      while (open > seen && !max_open_.compare_exchange_weak(seen, open)) {
      }
      open_fds_.push_back(fd);
      const int index = accepted_++;
      handlers_.emplace_back([this, fd, index] { serve(fd, index); });
    }
  }

  // Reads one request; false on end of stream.
  static bool read_request(int fd, std::string& buffer, Request& request) {
    size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (!read_more(fd, buffer)) return false;
    }
    request.head = buffer.substr(0, end + 4);
    buffer.erase(0, end + 4);
    size_t length = 0;
    std::string lower = request.head;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
      length = std::stoul(lower.substr(at + 17));
    }
    while (buffer.size() < length) {
      if (!read_more(fd, buffer)) return false;
    }
    request.body = buffer.substr(0, length);
    buffer.erase(0, length);
    return true;
  }

  static bool read_more(int fd, std::string& buffer) {
    char chunk[65536];
    const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
    return true;
  }

  // Sleeps for `delay` unless the server stops first; false when it stops.
  bool wait(std::chrono::milliseconds delay) {
    std::unique_lock<std::mutex> lock(mutex_);
    return !wake_.wait_for(lock, delay, [this] { return stopping_; });
  }

  static void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }

  void serve(int fd, int connection) {
    std::string buffer;
    for (int index = 0;; ++index) {
      Request request;
      request.connection = connection;
      request.index = index;
      if (!read_request(fd, buffer, request)) break;
      ++requests_;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        received_.push_back(request);
      }
      const Reply reply = script_(request);
      if (reply.drop) break;
      if (reply.delay.count() > 0 && !wait(reply.delay)) break;
      if (reply.piece == 0) {
        write_all(fd, reply.bytes);
      } else {
        for (size_t at = 0; at < reply.bytes.size(); at += reply.piece) {
          write_all(fd, std::string_view(reply.bytes).substr(at, reply.piece));
          if (!wait(std::chrono::milliseconds(1))) break;
        }
      }
      if (reply.close_after) break;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.erase(std::find(open_fds_.begin(), open_fds_.end(), fd));
    ::close(fd);
    --open_;
  }

  Script script_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::thread acceptor_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<int> open_fds_;
  std::vector<std::thread> handlers_;
  std::vector<Request> received_;
  std::atomic<int> accepted_{0}, open_{0}, max_open_{0}, requests_{0};
};

}  // namespace wshub::http::testing
