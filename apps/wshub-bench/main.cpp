// wshub-bench: a WebSocket load generator that reports what a figure cost on both sides.
// See bench/README.md for the method and for results with the commands that made them.
#include <signal.h>

#include <cstdio>
#include <string>

#include "Options.h"
#include "Scenario.h"

using namespace wshub::bench;

int main(int argc, char** argv) {
  Options options;
  const std::string problem = parse_options(argc, argv, options);
  if (problem == "help") {
    std::fputs(kUsage, stdout);
    return 0;
  }
  if (!problem.empty()) {
    std::fprintf(stderr, "wshub-bench: %s\n%s", problem.c_str(), kUsage);
    return 64;
  }
  // A server that closes while we write must be an error value, not a signal (OpenSSL's
  // socket BIO writes with write(), not send(MSG_NOSIGNAL)).
  signal(SIGPIPE, SIG_IGN);
  if (options.scenario == "fanout") return run_fanout(options);
  if (options.scenario == "connect") return run_connect(options);
  if (options.scenario == "idle") return run_idle(options);
  if (options.scenario == "rtt") return run_rtt(options);
  return run_echo(options);
}
