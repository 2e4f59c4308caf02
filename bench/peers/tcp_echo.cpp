// Benchmark ceiling: a raw TCP echo on epoll, no WebSocket at all. It does what any echo
// server must do at the least (one read, one write per readable event, on one thread), so
// `wshub-bench echo --raw` against it measures what loopback TCP alone costs with the same
// batching; what a WebSocket server spends above that is its own.
//
// Build: g++ -std=c++20 -O2 -o build/tcp_echo bench/peers/tcp_echo.cpp (bench/run.sh does).
// Usage: tcp_echo PORT   (listens on 127.0.0.1)
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace {

// Bytes a short write left behind, indexed by fd; an echo client bounds what is in flight.
std::vector<std::string> pending;

void close_connection(int epoll_fd, int fd) {
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
  close(fd);
  pending[fd].clear();
}

void set_events(int epoll_fd, int fd, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.fd = fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_MOD, fd, &ev);
}

// Writes `data` after whatever is pending; keeps the rest and asks for EPOLLOUT.
void send_or_queue(int epoll_fd, int fd, const char* data, size_t size) {
  std::string& queued = pending[fd];
  if (!queued.empty()) {
    queued.append(data, size);
    return;
  }
  ssize_t sent = write(fd, data, size);
  if (sent < 0) {
    if (errno != EAGAIN) return close_connection(epoll_fd, fd);
    sent = 0;
  }
  if (static_cast<size_t>(sent) == size) return;
  queued.assign(data + sent, size - static_cast<size_t>(sent));
  set_events(epoll_fd, fd, EPOLLIN | EPOLLOUT);
}

}  // namespace

int main(int argc, char** argv) {
  const int port = argc > 1 ? std::atoi(argv[1]) : 9003;
  const int listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  const int one = 1;
  setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(listen_fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(listen_fd, 4096) != 0) {
    std::perror("tcp_echo: bind/listen");
    return 1;
  }
  const int epoll_fd = epoll_create1(0);
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = listen_fd;
  epoll_ctl(epoll_fd, EPOLL_CTL_ADD, listen_fd, &ev);
  std::printf("tcp_echo listening on %d\n", port);
  std::fflush(stdout);

  static char buffer[256 * 1024];
  epoll_event events[256];
  for (;;) {
    const int n = epoll_wait(epoll_fd, events, 256, -1);
    for (int i = 0; i < n; ++i) {
      const int fd = events[i].data.fd;
      if (fd == listen_fd) {
        int client;
        while ((client = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK)) >= 0) {
          setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          if (static_cast<size_t>(client) >= pending.size())
            pending.resize(static_cast<size_t>(client) * 2 + 1);
          epoll_event client_ev{};
          client_ev.events = EPOLLIN;
          client_ev.data.fd = client;
          epoll_ctl(epoll_fd, EPOLL_CTL_ADD, client, &client_ev);
        }
        continue;
      }
      if (events[i].events & EPOLLOUT) {
        std::string& queued = pending[fd];
        const ssize_t sent = write(fd, queued.data(), queued.size());
        if (sent < 0 && errno != EAGAIN) {
          close_connection(epoll_fd, fd);
          continue;
        }
        if (sent > 0) queued.erase(0, static_cast<size_t>(sent));
        if (queued.empty()) set_events(epoll_fd, fd, EPOLLIN);
      }
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        const ssize_t got = read(fd, buffer, sizeof(buffer));
        if (got == 0 || (got < 0 && errno != EAGAIN)) {
          close_connection(epoll_fd, fd);
          continue;
        }
        if (got > 0) send_or_queue(epoll_fd, fd, buffer, static_cast<size_t>(got));
      }
    }
  }
}
