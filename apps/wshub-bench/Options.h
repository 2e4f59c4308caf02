#pragma once
// The command line of wshub-bench. Exceptions stay out: parse_options reports a message.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace wshub::bench {

struct Options {
  std::string scenario;  // "echo" (the only scenario so far)
  std::string url;       // --url ws://HOST:PORT/PATH (plain ws only: loopback benchmarks)
  std::string host;      // parsed from url
  uint16_t port = 80;
  std::string path = "/";
  int connections = 100;            // --connections
  int pipeline = 16;                // --pipeline: messages in flight per connection
  size_t size = 16;                 // --size: payload bytes per message
  double duration = 10;             // --duration: seconds measured
  double warmup = 2;                // --warmup: seconds of load before the window opens
  int threads = 1;                  // --threads: one epoll loop each
  bool binary = false;              // --binary: binary frames instead of text
  bool raw = false;                 // --raw: no WebSocket; a raw TCP echo returns our frames
  std::optional<pid_t> server_pid;  // --server-pid: measure this process's CPU
  bool json = false;                // --json: one JSON line instead of the table
  std::string label;                // --label: names the server in the output (bench/run.sh sets it)
};

// Fills `options` from argv. Returns an empty string on success, "help" for --help, else
// a message naming the bad argument.
std::string parse_options(int argc, char** argv, Options& options);

extern const char* const kUsage;

}  // namespace wshub::bench
