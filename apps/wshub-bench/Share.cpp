#include "Share.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <vector>

namespace wshub::bench {
namespace {

// The parent's ends of the pipes of children forked so far: a later child closes its
// copies, so that a child sees EOF when the parent goes.
std::vector<int> parent_side_fds;

class LocalShareClient final : public ShareClient {
 public:
  explicit LocalShareClient(std::unique_ptr<Share> share) : share_(std::move(share)) {}
  std::string call(std::string_view command) override { return share_->handle(command); }

 private:
  std::unique_ptr<Share> share_;
};

bool write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Reads up to a newline; `buffer` keeps what came after it. False at EOF or on error.
bool read_line(int fd, std::string& buffer, std::string& line) {
  for (;;) {
    const size_t newline = buffer.find('\n');
    if (newline != std::string::npos) {
      line = buffer.substr(0, newline);
      buffer.erase(0, newline + 1);
      return true;
    }
    char chunk[65536];
    const ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

class ForkedShareClient final : public ShareClient {
 public:
  ForkedShareClient(pid_t pid, int to_child, int from_child)
      : pid_(pid), to_child_(to_child), from_child_(from_child) {}
  ~ForkedShareClient() override {
    write_all(to_child_, "exit\n");
    ::close(to_child_);
    ::close(from_child_);
    int status = 0;
    waitpid(pid_, &status, 0);
  }

  std::string call(std::string_view command) override {
    std::string line;
    if (!write_all(to_child_, std::string(command) + "\n") || !read_line(from_child_, buffer_, line))
      return "error: generator process " + std::to_string(pid_) + " is gone";
    return line;
  }

 private:
  pid_t pid_;
  int to_child_, from_child_;
  std::string buffer_;
};

[[noreturn]] void serve(const ShareFactory& make, int from_parent, int to_parent) {
  int status = 0;
  {
    std::unique_ptr<Share> share = make();
    std::string buffer, command;
    while (read_line(from_parent, buffer, command) && command != "exit") {
      if (!write_all(to_parent, share->handle(command) + "\n")) break;
    }
  }  // the share's threads stop and its sockets close here
  std::fflush(stdout);
  _exit(status);
}

}  // namespace

std::unique_ptr<ShareClient> local_share(std::unique_ptr<Share> share) {
  return std::make_unique<LocalShareClient>(std::move(share));
}

std::unique_ptr<ShareClient> fork_share(const ShareFactory& make) {
  int down[2], up[2];
  if (pipe2(down, O_CLOEXEC) != 0) return nullptr;
  if (pipe2(up, O_CLOEXEC) != 0) {
    ::close(down[0]);
    ::close(down[1]);
    return nullptr;
  }
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) return nullptr;
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    ::close(down[1]);
    ::close(up[0]);
    for (int fd : parent_side_fds) ::close(fd);
    serve(make, down[0], up[1]);
  }
  ::close(down[0]);
  ::close(up[1]);
  parent_side_fds.push_back(down[1]);
  parent_side_fds.push_back(up[0]);
  return std::make_unique<ForkedShareClient>(pid, down[1], up[0]);
}

int max_connections_per_process() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  const rlim_t usable = limit.rlim_cur == RLIM_INFINITY ? 1'000'000 : limit.rlim_cur;
  return usable > 1000 ? static_cast<int>(usable) - 500 : static_cast<int>(usable / 2);
}

}  // namespace wshub::bench
