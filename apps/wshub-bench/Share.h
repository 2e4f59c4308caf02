#pragma once
// A scenario's connections are split into shares, each driven by one-line text commands
// ("open", "progress", "snapshot", ...; one line of reply each). With one process the
// scenario calls its share directly; with --processes N each share lives in a child forked
// before the parent starts any thread, and the same commands cross a pipe pair. That is
// how a run passes the per-process open-files limit (20,000 here, and not raisable): every
// process holds at most its share of the sockets, and CLOCK_MONOTONIC is one clock for
// all of them, so latencies measured in a child against times stamped in the parent hold.
#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace wshub::bench {

class Share {
 public:
  virtual ~Share() = default;
  // One command in, one line out (no newline in either).
  virtual std::string handle(std::string_view command) = 0;
};

class ShareClient {
 public:
  virtual ~ShareClient() = default;
  // Sends a command and waits for its reply; "error: ..." when the child is gone.
  virtual std::string call(std::string_view command) = 0;
};

using ShareFactory = std::function<std::unique_ptr<Share>()>;

// The share runs in this process.
std::unique_ptr<ShareClient> local_share(std::unique_ptr<Share> share);

// Forks a child that builds its share with `make` and serves commands until the parent
// sends "exit" or goes away, then destroys the share and exits. Call before this process
// starts any thread. nullptr when fork fails.
std::unique_ptr<ShareClient> fork_share(const ShareFactory& make);

// The largest number of sockets one generator process may hold: the open-files limit less
// room for epoll, pipes and the standard streams. Raises the soft limit to the hard one.
int max_connections_per_process();

}  // namespace wshub::bench
