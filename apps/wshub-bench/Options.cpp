#include "Options.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace wshub::bench {

const char* const kUsage =
    "usage: wshub-bench SCENARIO --url ws://HOST:PORT/PATH [options]\n"
    "\n"
    "echo: N connections keep messages in flight against an echo endpoint\n"
    "  --connections N   connections (default 100)\n"
    "  --pipeline N      messages in flight per connection (default 16)\n"
    "  --size BYTES      payload size (default 16)\n"
    "  --duration S      measured seconds (default 10)\n"
    "  --warmup S        seconds of load before measuring (default 2)\n"
    "  --threads N       generator threads, one epoll loop each (default 1)\n"
    "  --binary          binary messages (default text)\n"
    "  --raw             the server is a raw TCP echo (bench/peers/tcp_echo.cpp): no\n"
    "                    handshake; echoed bytes are counted as whole frames (a ceiling)\n"
    "\n"
    "fanout: subscribers on channels bench:0..K-1, one publisher, deliveries and their latency\n"
    "  --connections N   subscribers (default 100)\n"
    "  --channels K      channels; subscriber i is on bench:<i % K> (default 1)\n"
    "  --rate R          publications per second, round-robin over the channels; 0 = open loop\n"
    "  --rates R1,R2,..  a sweep: one result per rate, the same subscribers (default 100)\n"
    "  --size BYTES      payload size (default 64)\n"
    "  --duration S      measured seconds per rate (default 10); --warmup S before (default 2)\n"
    "  --drain S         grace after each rate for the last deliveries (default 2)\n"
    "  --subscribe-timeout S  longest wait for every `subscribed` (default 10)\n"
    "  --publish-http    publish with POST /api/publish instead of the WebSocket publisher\n"
    "  --api-url URL     http://HOST:PORT of the server API (default: the --url's)\n"
    "  --api-key KEY     sent as Authorization: apikey KEY\n"
    "  --http-pipeline N API requests in flight per connection (default 1)\n"
    "  --http-connections N  API connections, used round robin (default 1; a channel's\n"
    "                    publications may then arrive out of order: counted as reordered)\n"
    "  --idempotency-keys  an idempotency_key in every API publish (a request sent again\n"
    "                    after a lost connection is then published once by wshub)\n"
    "\n"
    "connect: a connection storm: open, upgrade and close N connections\n"
    "  --connections N   connections in all (default 100)\n"
    "  --concurrency N   handshakes in progress at once (default 100)\n"
    "\n"
    "idle: hold N connections, report the server's memory per connection, close them\n"
    "  --connections N   connections (default 100)\n"
    "  --settle-timeout S  longest wait for the server's RSS to settle (default 20)\n"
    "  --hold S          keep the connections this long after measuring (default 0)\n"
    "  --warmup-connections N  open and close N connections before the baseline reading, so\n"
    "                    code pages and start-up pools first touched by a connection are not\n"
    "                    counted per connection (default 0)\n"
    "  --open-message T  send text T on each connection once open (e.g. a wshub `connect`)\n"
    "                    and count it open only when the server answered\n"
    "\n"
    "rtt: round trips through the C++ client (wshub::client) on /websocket (wshub only)\n"
    "  --connections N   clients, each on its own channel bench:rtt:<i> (default 1); each\n"
    "                    publishes one message, waits for its ack and its delivery back to\n"
    "                    itself, and publishes the next\n"
    "  --duration S      measured seconds (default 10); --warmup S before (default 2)\n"
    "  --threads N       event loops, clients spread over them (default 1)\n"
    "  --subscribe-timeout S  longest wait for every `subscribed` (default 10)\n"
    "\n"
    "common\n"
    "  --server-pid PID  report the server's CPU (and for idle its RSS) over the window\n"
    "  --label NAME      name the server in the output\n"
    "  --json            one JSON line per result instead of the table\n"
    "  --threads N       generator threads per process (default 1)\n"
    "  --processes N     generator processes for fanout and idle (default: as many as the\n"
    "                    open-files limit needs, about 19,500 connections each)\n"
    "  --sources N       bind clients to 127.0.0.1..127.0.0.N (default: one per 8,000)\n"
    "  --concurrency N   fanout, idle: handshakes in progress at once per thread (default 256)\n"
    "  --tls             wss (also implied by a wss:// URL); certificates are not verified\n"
    "  --path PATH       request path instead of the URL's\n"
    "  --query QUERY     appended to the path after '?' (e.g. token=...)\n"
    "  --header 'N: V'   an extra upgrade request header (repeatable)\n";

namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool parse_rates(std::string_view text, std::vector<double>& rates) {
  rates.clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    double rate = 0;
    if (!parse_number(text.substr(0, comma), rate) || rate < 0) return false;
    rates.push_back(rate);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return !rates.empty();
}

}  // namespace

std::string parse_options(int argc, char** argv, Options& options) {
  int i = 1;
  if (i < argc && argv[i][0] != '-') options.scenario = argv[i++];
  bool size_given = false, concurrency_given = false, connections_given = false;
  std::string path_override, query;
  for (; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") return "help";
    if (flag == "--binary") {
      options.binary = true;
      continue;
    }
    if (flag == "--json") {
      options.json = true;
      continue;
    }
    if (flag == "--raw") {
      options.raw = true;
      continue;
    }
    if (flag == "--tls") {
      options.tls = true;
      continue;
    }
    if (flag == "--idempotency-keys") {
      options.idempotency_keys = true;
      continue;
    }
    if (flag == "--publish-http") {
      options.publish_http = true;
      continue;
    }
    if (i + 1 >= argc) return std::string("missing value after ") + argv[i];
    const std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--url") {
      options.url = std::string(value);
      Url url;
      ok = parse_url(value, url) && url.scheme != "http";
      options.host = url.host;
      options.port = url.port;
      options.path = url.path;
      if (url.tls()) options.tls = true;
    } else if (flag == "--connections" || flag == "--subscribers") {
      ok = parse_number(value, options.connections) && options.connections > 0;
      connections_given = true;
    } else if (flag == "--pipeline") {
      ok = parse_number(value, options.pipeline) && options.pipeline > 0 && options.pipeline <= 65536;
    } else if (flag == "--size") {
      ok = parse_number(value, options.size) && options.size <= 64 * 1024 * 1024;
      size_given = true;
    } else if (flag == "--duration") {
      ok = parse_number(value, options.duration) && options.duration > 0;
    } else if (flag == "--warmup") {
      ok = parse_number(value, options.warmup) && options.warmup >= 0;
    } else if (flag == "--threads") {
      ok = parse_number(value, options.threads) && options.threads > 0;
    } else if (flag == "--server-pid") {
      pid_t pid = 0;
      ok = parse_number(value, pid) && pid > 0;
      options.server_pid = pid;
    } else if (flag == "--label") {
      options.label = std::string(value);
    } else if (flag == "--processes") {
      ok = parse_number(value, options.processes) && options.processes > 0 && options.processes <= 64;
    } else if (flag == "--sources") {
      ok = parse_number(value, options.sources) && options.sources > 0 && options.sources <= 65000;
    } else if (flag == "--concurrency") {
      ok = parse_number(value, options.concurrency) && options.concurrency > 0;
      concurrency_given = true;
    } else if (flag == "--header") {
      ok = value.find(':') != std::string_view::npos && value.find('\n') == std::string_view::npos &&
           value.find('\r') == std::string_view::npos;
      options.headers.emplace_back(value);
    } else if (flag == "--path") {
      ok = !value.empty() && value[0] == '/';
      path_override = std::string(value);
    } else if (flag == "--query") {
      query = std::string(value);
    } else if (flag == "--channels") {
      ok = parse_number(value, options.channels) && options.channels > 0 && options.channels <= 1'000'000;
    } else if (flag == "--rate" || flag == "--rates") {
      ok = parse_rates(value, options.rates);
    } else if (flag == "--drain") {
      ok = parse_number(value, options.drain) && options.drain >= 0;
    } else if (flag == "--subscribe-timeout") {
      ok = parse_number(value, options.subscribe_timeout) && options.subscribe_timeout > 0;
    } else if (flag == "--api-url") {
      Url url;
      ok = parse_url(value, url) && url.scheme == "http";
      options.api_url = std::string(value);
    } else if (flag == "--api-key") {
      options.api_key = std::string(value);
    } else if (flag == "--http-pipeline") {
      ok = parse_number(value, options.http_pipeline) && options.http_pipeline > 0;
    } else if (flag == "--http-connections") {
      ok = parse_number(value, options.http_connections) && options.http_connections > 0 &&
           options.http_connections <= 256;
    } else if (flag == "--settle-timeout") {
      ok = parse_number(value, options.settle_timeout) && options.settle_timeout >= 0;
    } else if (flag == "--hold") {
      ok = parse_number(value, options.hold) && options.hold >= 0;
    } else if (flag == "--warmup-connections") {
      ok = parse_number(value, options.warmup_connections) && options.warmup_connections >= 0;
    } else if (flag == "--open-message") {
      options.open_message = std::string(value);
    } else {
      return "unknown option " + std::string(flag);
    }
    if (!ok) return "bad value for " + std::string(flag) + ": " + std::string(value);
  }
  const std::string& s = options.scenario;
  if (s != "echo" && s != "fanout" && s != "connect" && s != "idle" && s != "rtt")
    return "the scenario must be echo, fanout, connect, idle or rtt";
  if (options.url.empty()) return "--url is required";
  if (!path_override.empty()) options.path = path_override;
  if (!query.empty()) options.path += (options.path.find('?') == std::string::npos ? "?" : "&") + query;
  if (s == "echo") {
    if (options.tls) return "echo is plain ws only (use connect or idle for wss)";
    if (options.threads > options.connections) options.threads = options.connections;
    if (static_cast<double>(options.pipeline) * static_cast<double>(options.size + 14) > 256.0 * 1024 * 1024)
      return "--pipeline x --size is over 256 MiB in flight per connection";
  }
  if (s == "fanout" && !size_given) options.size = 64;
  if (!concurrency_given) options.concurrency = s == "connect" ? 100 : 256;
  if (s == "connect" && options.concurrency > options.connections) options.concurrency = options.connections;
  if (options.publish_http && s != "fanout") return "--publish-http is a fanout option";
  if (s == "rtt") {
    // A handful of clients by default: rtt is about one publication's latency, not load.
    if (!connections_given) options.connections = 1;
    // The C++ client sends no extra upgrade headers (a token goes in `connect`, not a header).
    if (!options.headers.empty()) return "--header is not supported by rtt";
  }
  return {};
}

}  // namespace wshub::bench
