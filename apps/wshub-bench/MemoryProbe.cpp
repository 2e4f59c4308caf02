#include "MemoryProbe.h"

#include <cstdio>
#include <cstring>
#include <string>

namespace wshub::bench {

namespace {
std::optional<uint64_t> status_kib(pid_t pid, const char* format) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::nullopt;
  char line[256];
  std::optional<uint64_t> value;
  while (std::fgets(line, sizeof line, file)) {
    unsigned long long kib = 0;
    if (std::sscanf(line, format, &kib) == 1) {
      value = kib;
      break;
    }
  }
  std::fclose(file);
  return value;
}
}  // namespace

std::optional<uint64_t> process_rss_anon_kib(pid_t pid) { return status_kib(pid, "RssAnon: %llu kB"); }

std::optional<uint64_t> process_rss_kib(pid_t pid) {
  const std::string path = "/proc/" + std::to_string(pid) + "/status";
  FILE* file = std::fopen(path.c_str(), "r");
  if (!file) return std::nullopt;
  char line[256];
  std::optional<uint64_t> rss;
  while (std::fgets(line, sizeof line, file)) {
    unsigned long long kib = 0;
    if (std::sscanf(line, "VmRSS: %llu kB", &kib) == 1) {
      rss = kib;
      break;
    }
  }
  std::fclose(file);
  return rss;
}

KernelMemory read_kernel_memory() {
  KernelMemory m;
  if (FILE* file = std::fopen("/proc/meminfo", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, file)) {
      unsigned long long kib = 0;
      if (std::sscanf(line, "MemAvailable: %llu kB", &kib) == 1) m.mem_available_kib = kib;
      if (std::sscanf(line, "Slab: %llu kB", &kib) == 1) m.slab_kib = kib;
      if (std::sscanf(line, "SUnreclaim: %llu kB", &kib) == 1) m.slab_unreclaimable_kib = kib;
    }
    std::fclose(file);
  }
  if (FILE* file = std::fopen("/proc/net/sockstat", "r")) {
    char line[256];
    while (std::fgets(line, sizeof line, file)) {
      unsigned long long a = 0, b = 0, c = 0, d = 0, e = 0;
      if (std::sscanf(line, "sockets: used %llu", &a) == 1) m.sockets_used = a;
      if (std::sscanf(line, "TCP: inuse %llu orphan %llu tw %llu alloc %llu mem %llu", &a, &b, &c, &d, &e) ==
          5) {
        m.tcp_inuse = a;
        m.tcp_mem_pages = e;
      }
    }
    std::fclose(file);
  }
  return m;
}

}  // namespace wshub::bench
