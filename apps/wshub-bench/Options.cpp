#include "Options.h"

#include <charconv>
#include <cstring>
#include <string_view>

namespace wshub::bench {

const char* const kUsage =
    "usage: wshub-bench echo --url ws://HOST:PORT/PATH [options]\n"
    "  --connections N   connections (default 100)\n"
    "  --pipeline N      messages in flight per connection (default 16)\n"
    "  --size BYTES      payload size (default 16)\n"
    "  --duration S      measured seconds (default 10)\n"
    "  --warmup S        seconds of load before measuring (default 2)\n"
    "  --threads N       generator threads, one epoll loop each (default 1)\n"
    "  --binary          binary messages (default text)\n"
    "  --raw             the server is a raw TCP echo (bench/peers/tcp_echo.cpp): no\n"
    "                    handshake; echoed bytes are counted as whole frames (a ceiling)\n"
    "  --server-pid PID  report the server's CPU time over the window\n"
    "  --label NAME      name the server in the output\n"
    "  --json            one JSON line instead of the table\n";

namespace {

template <typename T>
bool parse_number(std::string_view text, T& out) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, out);
  return ec == std::errc() && ptr == end;
}

bool parse_url(const std::string& url, Options& options) {
  constexpr std::string_view kScheme = "ws://";
  std::string_view rest = url;
  if (rest.substr(0, kScheme.size()) != kScheme) return false;
  rest.remove_prefix(kScheme.size());
  const size_t slash = rest.find('/');
  const std::string_view authority = rest.substr(0, slash);
  options.path = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  const size_t colon = authority.rfind(':');
  if (colon == std::string_view::npos) {
    options.host = std::string(authority);
    options.port = 80;
  } else {
    options.host = std::string(authority.substr(0, colon));
    if (!parse_number(authority.substr(colon + 1), options.port)) return false;
  }
  return !options.host.empty();
}

}  // namespace

std::string parse_options(int argc, char** argv, Options& options) {
  int i = 1;
  if (i < argc && argv[i][0] != '-') options.scenario = argv[i++];
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
    if (i + 1 >= argc) return std::string("missing value after ") + argv[i];
    const std::string_view value = argv[++i];
    bool ok = true;
    if (flag == "--url") {
      options.url = std::string(value);
      ok = parse_url(options.url, options);
    } else if (flag == "--connections") {
      ok = parse_number(value, options.connections) && options.connections > 0;
    } else if (flag == "--pipeline") {
      ok = parse_number(value, options.pipeline) && options.pipeline > 0 && options.pipeline <= 65536;
    } else if (flag == "--size") {
      ok = parse_number(value, options.size) && options.size <= 64 * 1024 * 1024;
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
    } else {
      return "unknown option " + std::string(flag);
    }
    if (!ok) return "bad value for " + std::string(flag) + ": " + std::string(value);
  }
  if (options.scenario != "echo") return "the scenario must be 'echo'";
  if (options.url.empty()) return "--url is required";
  if (options.threads > options.connections) options.threads = options.connections;
  if (static_cast<double>(options.pipeline) * static_cast<double>(options.size + 14) > 256.0 * 1024 * 1024)
    return "--pipeline x --size is over 256 MiB in flight per connection";
  return {};
}

}  // namespace wshub::bench
