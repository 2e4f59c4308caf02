#pragma once
// The command line of wshub-bench. Exceptions stay out: parse_options reports a message.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "Url.h"

namespace wshub::bench {

struct Options {
  std::string scenario;  // echo, fanout, connect, idle, rtt
  std::string url;       // --url ws://HOST:PORT/PATH (wss:// for connect and idle)
  std::string host;      // parsed from url
  uint16_t port = 80;
  std::string path = "/";           // --path overrides the URL's; --query is appended
  bool tls = false;                 // wss:// or --tls
  int connections = 100;            // --connections (fanout: subscribers; rtt: clients, default 1)
  int pipeline = 16;                // echo --pipeline: messages in flight per connection
  size_t size = 16;                 // --size: payload bytes (echo 16, fanout 64)
  double duration = 10;             // --duration: seconds measured (per rate in fanout)
  double warmup = 2;                // --warmup: seconds of load before the window opens
  int threads = 1;                  // --threads: one epoll loop each
  bool binary = false;              // echo --binary: binary frames instead of text
  bool raw = false;                 // echo --raw: no WebSocket; a raw TCP echo returns our frames
  std::optional<pid_t> server_pid;  // --server-pid: measure this process's CPU (and RSS)
  bool json = false;                // --json: one JSON line per result instead of the table
  std::string label;                // --label: names the server in the output (bench/run.sh sets it)

  // Shared by fanout, connect and idle.
  int processes = 0;                 // --processes: generator processes (0: as many as the fd limit needs)
  int sources = 0;                   // --sources: 127.0.0.1..N as source addresses (0: as needed)
  int concurrency = 0;               // --concurrency: handshakes in progress at once
  std::vector<std::string> headers;  // --header "Name: value" (repeatable)

  // fanout
  int channels = 1;                  // --channels
  std::vector<double> rates{100.0};  // --rate R or --rates R1,R2,..: publications/s, 0 = open loop
  double drain = 2;                  // --drain: grace after the window for deliveries to arrive
  double subscribe_timeout = 10;     // --subscribe-timeout
  bool publish_http = false;         // --publish-http: publish through POST /api/publish
  std::string api_url;               // --api-url http://HOST:PORT (default: the --url's host and port)
  std::string api_key;               // --api-key
  int http_pipeline = 1;             // --http-pipeline: API requests in flight per connection
  int http_connections = 1;          // --http-connections: API connections, round robin
  bool idempotency_keys = false;     // --idempotency-keys: an idempotency_key on every API publish

  // idle
  double settle_timeout = 20;  // --settle-timeout: longest wait for the server's RSS to settle
  double hold = 0;             // --hold: seconds to keep the connections after measuring
  int warmup_connections = 0;  // --warmup-connections: opened and closed before the baseline reading
  std::string open_message;    // --open-message: sent on each connection once open; open once answered
};

// Fills `options` from argv. Returns an empty string on success, "help" for --help, else
// a message naming the bad argument.
std::string parse_options(int argc, char** argv, Options& options);

extern const char* const kUsage;

}  // namespace wshub::bench
