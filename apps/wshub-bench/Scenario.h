#pragma once
// What every scenario needs: the server's address and the dial target from the options,
// how many generator processes and source addresses a connection count needs, sleeping to
// an instant, and the CPU each side spent between two instants.
#include <netinet/in.h>
#include <openssl/ssl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ClientConnection.h"
#include "Options.h"
#include "Share.h"

namespace wshub::bench {

int run_echo(const Options& options);
int run_fanout(const Options& options);
int run_connect(const Options& options);
int run_idle(const Options& options);
int run_rtt(const Options& options);

bool resolve(const std::string& host, uint16_t port, sockaddr_in& address);

// The target of options.url (address, Host, path with query, extra headers, TLS context
// when wss). Empty on success, else why not.
std::string make_dial_target(const Options& options, DialTarget& target);

// --processes, or as many as `connections` need under the open-files limit.
int processes_for(const Options& options, int connections);
// --sources, or one source address per 8,000 connections (see Scenario.cpp).
int sources_for(const Options& options, int connections);

// Shares of `total` split as evenly as possible: share i of n.
int share_of(int total, int n, int i);

void sleep_until_ns(uint64_t instant_ns);

// CPU seconds of the server, of the whole host, and of the generator (this process and
// the forked shares, which are asked with their "cpu" command), at one instant.
struct CpuReading {
  std::optional<double> server;
  std::optional<double> host;
  double generator = 0;
  double wall = 0;
};
CpuReading read_cpu(std::optional<pid_t> server_pid, const std::vector<ShareClient*>& forked);

// What was spent between two readings.
struct CpuUse {
  double window_s = 0;
  std::optional<double> server_s;
  double generator_s = 0;
  std::optional<double> other_cores;  // everything else on the host, in cores busy
};
CpuUse cpu_between(const CpuReading& before, const CpuReading& after);

}  // namespace wshub::bench
