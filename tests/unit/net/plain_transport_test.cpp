#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>
#include <vector>

#include "net/PlainTransport.h"

namespace wshub::net {
namespace {

void set_nonblocking(int fd) {
  ASSERT_EQ(::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
}

// fds[0] goes to the transport, fds[1] is the test's peer; both non-blocking.
struct Pair {
  int fds[2] = {-1, -1};
  Pair() {
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
    set_nonblocking(fds[0]);
    set_nonblocking(fds[1]);
  }
  ~Pair() {
    if (fds[1] >= 0) ::close(fds[1]);
  }
  void close_peer() {
    ::close(fds[1]);
    fds[1] = -1;
  }
};

// A connected loopback TCP pair: {server side, client side}.
std::pair<int, int> tcp_pair() {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  EXPECT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  EXPECT_EQ(::listen(listener, 1), 0);
  EXPECT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len), 0);
  int client = ::socket(AF_INET, SOCK_STREAM, 0);
  EXPECT_EQ(::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  int server = ::accept(listener, nullptr, nullptr);
  ::close(listener);
  set_nonblocking(server);
  return {server, client};
}

std::span<std::byte> span_of(std::vector<char>& buf) {
  return {reinterpret_cast<std::byte*>(buf.data()), buf.size()};
}

TEST(PlainTransportTest, ReadReportsWantReadThenDataThenClosed) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  std::vector<char> buf(64);
  EXPECT_EQ(transport.read(span_of(buf)).status, IoStatus::want_read);
  ASSERT_EQ(::write(pair.fds[1], "hello", 5), 5);
  IoResult r = transport.read(span_of(buf));
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(std::string(buf.data(), r.bytes), "hello");
  pair.close_peer();
  EXPECT_EQ(transport.read(span_of(buf)).status, IoStatus::closed);
}

TEST(PlainTransportTest, WritevSendsPartsInOrder) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  std::string a = "GET", b = " / ", c = "HTTP/1.1";
  iovec parts[] = {{a.data(), a.size()}, {nullptr, 0}, {b.data(), b.size()}, {c.data(), c.size()}};
  IoResult r = transport.writev(parts, 4);
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, 14u);
  char got[32];
  ASSERT_EQ(::read(pair.fds[1], got, sizeof got), 14);
  EXPECT_EQ(std::string(got, 14), "GET / HTTP/1.1");
  EXPECT_EQ(transport.writev(parts, 0).status, IoStatus::ok);  // nothing to send
}

// One part takes its own path (send(), no msghdr): it must behave as the general one.
TEST(PlainTransportTest, OnePartIsSentAndAnEmptyPartIsNothingToSend) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  std::string a = "frame";
  iovec empty{a.data(), 0};
  IoResult r = transport.writev(&empty, 1);
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, 0u);
  iovec one{a.data(), a.size()};
  r = transport.writev(&one, 1);
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, 5u);
  char got[16];
  ASSERT_EQ(::read(pair.fds[1], got, sizeof got), 5);
  EXPECT_EQ(std::string(got, 5), "frame");
  EXPECT_EQ(::read(pair.fds[1], got, sizeof got), -1);  // nothing else was sent
}

TEST(PlainTransportTest, PartialWritesThenWantWriteThenResumeFromTheSamePosition) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  std::vector<char> data(4 << 20);
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7 + (i >> 12));
  size_t sent = 0;
  bool saw_want_write = false;
  std::vector<char> received;
  std::vector<char> chunk(1 << 16);
  bool peer_reads = false;  // the peer reads only once the socket buffer has filled up
  while (received.size() < data.size()) {
    if (sent < data.size()) {
      iovec part{data.data() + sent, data.size() - sent};
      IoResult r = transport.writev(&part, 1);
      if (r.status == IoStatus::ok) {
        ASSERT_GT(r.bytes, 0u);
        ASSERT_LT(r.bytes, data.size() - sent + 1);
        sent += r.bytes;
      } else {
        ASSERT_EQ(r.status, IoStatus::want_write);
        saw_want_write = peer_reads = true;
      }
    }
    if (!peer_reads) continue;
    ssize_t n = ::read(pair.fds[1], chunk.data(), chunk.size());
    if (n > 0) received.insert(received.end(), chunk.data(), chunk.data() + n);
  }
  EXPECT_TRUE(saw_want_write);
  EXPECT_TRUE(received == data);
}

TEST(PlainTransportTest, MorePartsThanIovMaxIsAPartialWrite) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  std::vector<char> bytes(IOV_MAX + 100, 'x');
  std::vector<iovec> parts;
  for (char& c : bytes) parts.push_back({&c, 1});
  IoResult r = transport.writev(parts.data(), static_cast<int>(parts.size()));
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(r.bytes, static_cast<size_t>(IOV_MAX));
}

// With SIGPIPE at its default action a plain send() to a closed peer would kill the test binary.
TEST(PlainTransportTest, WriteToAClosedPeerIsAnErrorNotASignal) {
  struct sigaction old_action {
  }, default_action{};
  default_action.sa_handler = SIG_DFL;
  ::sigaction(SIGPIPE, &default_action, &old_action);
  {
    Pair pair;
    PlainTransport transport(pair.fds[0]);
    pair.close_peer();
    char byte = 'x';
    iovec part{&byte, 1};
    IoResult r = transport.writev(&part, 1);
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_EQ(transport.last_errno(), EPIPE);
  }
  ::sigaction(SIGPIPE, &old_action, nullptr);
}

TEST(PlainTransportTest, ConnectionResetIsAnError) {
  auto [server, client] = tcp_pair();
  PlainTransport transport(server);
  linger abort_on_close{1, 0};  // close() sends RST instead of FIN
  ASSERT_EQ(::setsockopt(client, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close), 0);
  ::close(client);
  std::vector<char> buf(16);
  IoResult r{IoStatus::want_read};
  for (int i = 0; i < 1000 && r.status == IoStatus::want_read; ++i) {
    r = transport.read(span_of(buf));
    if (r.status == IoStatus::want_read) ::usleep(1000);
  }
  EXPECT_EQ(r.status, IoStatus::error);
  EXPECT_EQ(transport.last_errno(), ECONNRESET);
}

TEST(PlainTransportTest, ShutdownWriteSendsFinAndKeepsReading) {
  Pair pair;
  PlainTransport transport(pair.fds[0]);
  transport.shutdown_write();
  char byte;
  EXPECT_EQ(::read(pair.fds[1], &byte, 1), 0);  // EOF at the peer
  ASSERT_EQ(::write(pair.fds[1], "z", 1), 1);
  std::vector<char> buf(4);
  IoResult r = transport.read(span_of(buf));
  EXPECT_EQ(r.status, IoStatus::ok);
  EXPECT_EQ(buf[0], 'z');
}

TEST(PlainTransportTest, DestructorClosesTheSocket) {
  Pair pair;
  int fd = pair.fds[0];
  { PlainTransport transport(fd); }
  EXPECT_EQ(::fcntl(fd, F_GETFD), -1);
  EXPECT_EQ(errno, EBADF);
}

}  // namespace
}  // namespace wshub::net
